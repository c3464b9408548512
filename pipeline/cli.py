"""The ``sohoa`` command: a thin shell over the runner and the stages."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from api import commands as api_commands
from extractors import commands as extract_commands
from pipeline.config import Settings, reference
from pipeline.flow import Flow
from pipeline.model import DocumentResult
from pipeline.runner import Runner, expand_inputs
from storage import commands as storage_commands
from workers import commands as worker_commands

# The packages that add sub-commands, each by its ``register(subparsers)``.
COMMANDS = (extract_commands, storage_commands, worker_commands, api_commands)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sohoa", description="Scans in; searchable Vietnamese PDF/A, typed fields and a "
                                  "signed archive out.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ocr", help="one document to a searchable PDF/A-2b")
    p.add_argument("input", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="the PDF/A to write")
    p.add_argument("--json", action="store_true",
                   help="also print the pages' text and words (boxes, confidences) as JSON")
    p.set_defaults(func=cmd_ocr)

    p = sub.add_parser("process", help="many documents through the whole pipeline")
    p.add_argument("inputs", nargs="+", type=Path, help="files or folders")
    p.add_argument("--out", type=Path, required=True, help="folder for PDF/A and JSON results")
    p.add_argument("-j", "--jobs", type=int, default=0, help="worker processes (default: cores)")
    p.add_argument("--branch", default=None, help="branch code recorded with the batch")
    p.add_argument("--dossier", default=None, help="dossier code, when the batch is one dossier")
    p.add_argument("--no-archive", action="store_true",
                   help="only write PDF/A and JSON results; do not sign, store or index")
    p.add_argument("--no-progress", action="store_true")
    worker_commands.add_actor(p)
    p.set_defaults(func=cmd_process)

    p = sub.add_parser("reprocess", help="run an archived document through the pipeline again "
                                         "(admin): earlier values and decisions are kept as "
                                         "history, QA's corrections carry over")
    p.add_argument("id", help="document id")
    p.add_argument("--actor", required=True, help="the admin behind the reprocess")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser("train", help="train the document-type model into SOHOA_MODELS "
                                     "(set-up runs it; the product only loads it)")
    p.set_defaults(func=lambda args: _train())

    p = sub.add_parser("config", help="every SOHOA_* setting: type, default, value, meaning")
    p.set_defaults(func=lambda args: print(reference()) or 0)

    for module in COMMANDS:
        module.register(sub)

    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def cmd_ocr(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    output = args.output.resolve()
    runner = Runner(settings, processes=min(settings.process_count, 2))
    with tempfile.TemporaryDirectory(prefix=".sohoa-", dir=output.parent) as tmp:
        results = list(runner.run([args.input], Path(tmp), pdf_name=output))
    result = results[0]
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    if result.error:
        _report_error(result)
        return 1
    print(f"{output}: {len(result.pages)} page(s)", file=sys.stderr)
    return 0


def cmd_process(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    files = expand_inputs(args.inputs)
    if not files:
        print("no input files", file=sys.stderr)
        return 2
    from workers import tasks
    from workers.submit import batch_db, new_batch_id, record_foreground

    batch_id = new_batch_id()
    actor = worker_commands.actor_of(args)
    flow = Flow(settings, archive=not args.no_archive)
    runner = Runner(settings, flow=flow, processes=args.jobs or None, actor=actor,
                    source_meta={"branch": args.branch, "batch_id": batch_id,
                                 "dossier_code": args.dossier})
    # Archived batches are recorded in the one batch store (``sohoa status BATCH``): in a
    # thread, while the pool starts and reads the first pages (on a fresh home this is the
    # database's creation, ~0.5 s); the rows exist before the first result is recorded.
    recorder = ThreadPoolExecutor(1, thread_name_prefix="record")
    recording = None if args.no_archive else recorder.submit(
        record_foreground, files, args.branch, args.dossier, settings, actor=actor,
        batch_id=batch_id)
    recorder.shutdown(wait=False)
    progress = _Progress(enabled=not args.no_progress)
    started = time.perf_counter()
    results: list[DocumentResult] = []
    for result in runner.run(files, args.out, on_page=progress.step, on_total=progress.total):
        results.append(result)
        docs = recording.result() if recording is not None else {}
        if result.file in docs:
            tasks.record_result(batch_db(settings), docs[result.file], result)
        if result.error:
            progress.write_error(result)
    if recording is not None:
        recording.result()  # raised here if recording failed and no document came back
    progress.close()
    flow.close()
    wall = time.perf_counter() - started
    summary = _summary(results, wall, batch_id)
    (args.out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    _print_summary(summary, args.out)
    return 1 if summary["failed"] else 0


def _train() -> int:
    from classifiers import train

    return train.main(["--out", str(Settings.from_env().models_dir)])


def cmd_reprocess(args: argparse.Namespace) -> int:
    """The stored original through the whole flow again, archived with ``reprocess``."""
    from pipeline.flow import Arrival
    from storage.commands import _guard

    @_guard
    def run(args) -> int:
        settings = Settings.from_env()
        flow = Flow(settings)
        try:
            doc = flow.archive.document(args.id)
            if doc.stack_id:
                print(f"sohoa: {args.id} is part of the stack {doc.stack_id}: reprocess that",
                      file=sys.stderr)
                return 2
            data, ext = flow.archive.original_bytes(args.id)
            with tempfile.TemporaryDirectory(prefix=".sohoa-reprocess-") as tmp:
                path = Path(tmp) / f"original.{ext}"
                path.write_bytes(data)
                arrival = Arrival(doc.file_name or path.name, doc.branch, doc.batch_id, None,
                                  " ".join(args.actor.split()), reprocess=True)
                runner = Runner(settings, flow=flow, processes=min(2, settings.process_count))
                [result] = runner.run([path], Path(tmp) / "out", arrivals={str(path): arrival})
        finally:
            flow.close()
        if args.json:
            print(json.dumps(result.to_dict(words=False), ensure_ascii=False))
        if result.error:
            _report_error(result)
            return 1
        print(f"{args.id}: reprocessed -> {(result.archive or {}).get('archive_key')}",
              file=sys.stderr)
        return 0

    return run(args)


def _summary(results: list[DocumentResult], wall: float, batch_id: str) -> dict:
    pages = sum(len(r.pages) for r in results)
    ok = [r for r in results if not r.error]
    recognise = sum(r.timings.get("ocr.recognize", 0.0) for r in results)
    return {
        "batch_id": batch_id,
        "documents": len(results),
        "succeeded": len(ok),
        "failed": len(results) - len(ok),
        "pages": pages,
        "wall_seconds": round(wall, 2),
        "pages_per_minute": round(pages / wall * 60, 1) if wall else None,
        "tesseract_seconds": round(recognise, 2),
        "document_types": _count(r.classification.document_type for r in ok
                                 if r.classification),
        "errors": [{"file": r.file, **(r.error or {})} for r in results if r.error],
        "results": [{"file": r.file, "document_id": r.document_id, "pdf": r.pdf_path,
                     "archive_key": (r.archive or {}).get("archive_key"), "pages": len(r.pages),
                     "document_type": r.classification.document_type
                     if r.classification else None,
                     "dossier_code": r.dossier_code,
                     "dossiers": [{"dossier_code": d["dossier_code"],
                                   "documents": [(x["document_type"], x["pages"])
                                                 for x in d["documents"]]}
                                  for d in r.dossiers or []],
                     "error": r.error} for r in results],
    }


def _count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def _print_summary(summary: dict, out: Path) -> None:
    print(f"\n{summary['documents']} documents, {summary['pages']} pages in "
          f"{summary['wall_seconds']} s ({summary['pages_per_minute']} pages/min): "
          f"{summary['succeeded']} done, {summary['failed']} failed. Results in {out}/",
          file=sys.stderr)
    if summary["document_types"]:
        kinds = ", ".join(f"{k} {v}" for k, v in summary["document_types"].items())
        print(f"document types: {kinds}", file=sys.stderr)


def _report_error(result: DocumentResult) -> None:
    err = result.error or {}
    print(f"error: {result.file}: [{err.get('code')}] {err.get('message')}", file=sys.stderr)


class _Progress:
    """A page progress bar on stderr (only when it is a terminal)."""

    def __init__(self, enabled: bool):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="page", file=sys.stderr, disable=None)

    def total(self, n: int) -> None:
        if self.bar is not None:
            self.bar.total = n
            self.bar.refresh()

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def write_error(self, result: DocumentResult) -> None:
        err = result.error or {}
        line = f"error: {result.file}: [{err.get('code')}] {err.get('message')}"
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


if __name__ == "__main__":
    sys.exit(main())
