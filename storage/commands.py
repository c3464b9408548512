"""CLI subcommands of the archive: ``search``, ``get``, ``show``, ``verify``.

The main CLI (``pipeline/cli.py``) calls ``storage.commands.register(subparsers)``; each
subcommand sets ``func`` to a function taking the parsed args and returning an exit code.
Exit codes: 0 success, 1 not found / verification failed, 2 usage, 3 storage unavailable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.model import SohoaError, TransientError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


def _archive():
    from pipeline.config import Settings
    from storage.archive import Archive

    return Archive(Settings.from_env())


def _date(s: str) -> str:
    try:
        return date.fromisoformat(s).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {s!r}") from None


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def _guard(fn):
    """Map storage errors to exit codes and one-line messages on stderr."""

    def wrapper(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except TransientError as exc:
            print(f"sohoa: storage unavailable: {exc.message}", file=sys.stderr)
            return EXIT_UNAVAILABLE
        except SohoaError as exc:
            print(f"sohoa: {exc.code}: {exc.message}", file=sys.stderr)
            return EXIT_FAILED

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@_guard
def cmd_search(args: argparse.Namespace) -> int:
    from storage.search import SearchFilters

    filters = SearchFilters(
        document_type=args.type,
        branch=args.branch,
        dossier_code=args.dossier,
        date_from=args.date_from,
        date_to=args.date_to,
    )
    with _archive() as archive:
        hits = archive.search(args.query, filters, limit=args.limit, offset=args.offset)
    if args.json:
        _print_json(
            [
                {
                    "document_id": h.document_id,
                    "document_type": h.document_type,
                    "dossier_code": h.dossier_code,
                    "branch": h.branch,
                    "date": h.date,
                    "score": h.score,
                    "snippet": h.snippet,
                    "archive_key": h.archive_key,
                }
                for h in hits
            ]
        )
        return EXIT_OK
    if not hits:
        print("no documents found", file=sys.stderr)
        return EXIT_OK
    for h in hits:
        print(
            f"{h.document_id}  {h.document_type or '-'}  {h.dossier_code or '-'}  "
            f"{h.branch or '-'}  {h.date or '-'}  score={h.score:g}"
        )
        if h.snippet:
            print(f"    {h.snippet}")
        print(f"    {h.archive_key}")
    return EXIT_OK


@_guard
def cmd_get(args: argparse.Namespace) -> int:
    with _archive() as archive:
        data = archive.get_pdf(args.id)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        return EXIT_OK
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=out.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, out)
    print(f"{out} ({len(data)} bytes, SHA-256 verified)", file=sys.stderr)
    return EXIT_OK


@_guard
def cmd_show(args: argparse.Namespace) -> int:
    with _archive() as archive:
        info = archive.show(args.id)
    if args.json:
        _print_json(info)
        return EXIT_OK
    a = info["archive"]
    print(f"document   {info['document_id']}  ({info['document_type'] or 'unclassified'})")
    print(
        f"status     {info['status']}   branch {info['branch'] or '-'}   batch "
        f"{info['batch_id'] or '-'}   dossier {info['dossier_code'] or '-'}"
    )
    print(f"file       {info['file']}   pages {info['page_count']}")
    if info.get("stack"):
        print(f"stack      {info['stack']['document_id']}   pages {info['stack']['pages']}")
    for d in info.get("duplicates", []):
        print(f"duplicate  {d['at']}  branch {d['branch'] or '-'}  batch {d['batch_id'] or '-'}"
              f"  by {d['actor']}")
    print(f"archive    {a['key']}")
    print(f"signed by  {a['signer']}")
    r = info["review"]
    print(f"review     {r['pending']} pending, {r['reviewed']} reviewed")
    print("fields:")
    for f in info["fields"]:
        flag = {"pending": "REVIEW", "accepted": "ok(qa)", "corrected": "fixed"}.get(
            f["review_state"], ""
        )
        value = f["effective_value"]
        print(f"  {f['id']:<28} {value!s:<40} {f['confidence']:.2f} v{f['version']} {flag}")
    print("timeline:")
    for e in info["timeline"]:
        print(f"  {e['at']}  {e['kind']:<17} {e['actor']}")
    return EXIT_OK


@_guard
def cmd_verify(args: argparse.Namespace) -> int:
    with _archive() as archive:
        report = archive.verify(args.target)
    if args.json:
        _print_json(report.to_dict())
    else:
        verdict = "INTACT" if report.ok else "NOT INTACT"
        print(f"{verdict}: {args.target}")
        print(f"  signer:    {report.signer or '-'}")
        if report.development_key:
            print("  warning:   signed with the DEVELOPMENT key, not the Center's key")
        print(f"  signature: intact={report.intact} valid={report.valid} trusted={report.trusted}")
        print(f"  checksum:  {'-' if report.checksum_ok is None else report.checksum_ok}")
        print(f"  modified after signing: {report.modified_after_signing}")
        print(f"  PDF/A:     {report.pdfa or 'no claim'}")
        for p in report.details.get("problems", []):
            print(f"  problem:   {p}")
    return EXIT_OK if report.ok else EXIT_FAILED


def register(subparsers) -> None:
    """Add ``search``, ``get``, ``show`` and ``verify`` to the main CLI's subparsers."""
    p = subparsers.add_parser("search", help="full-text search in the archive")
    p.add_argument("query", help='words, "a phrase", prefix*; diacritics optional')
    p.add_argument("--type", help="document type id, e.g. birth_registration")
    p.add_argument("--branch", help="branch code")
    p.add_argument("--dossier", help="dossier code")
    p.add_argument("--from", dest="date_from", type=_date, help="from date YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=_date, help="to date YYYY-MM-DD (inclusive)")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print hits as JSON")
    p.set_defaults(func=cmd_search)

    p = subparsers.add_parser("get", help="write a document's signed PDF/A to a file")
    p.add_argument("id", help="document id")
    p.add_argument("-o", "--output", required=True, help="output file ('-' for stdout)")
    p.set_defaults(func=cmd_get)

    p = subparsers.add_parser("show", help="a document's fields, review state and timeline")
    p.add_argument("id", help="document id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = subparsers.add_parser(
        "verify", help="check a document's signature and checksum (exit 0 only when intact)"
    )
    p.add_argument("target", metavar="ID_OR_FILE", help="document id or path to a PDF")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_verify)


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (``python -m storage.commands``) until the main CLI wires us in."""
    parser = argparse.ArgumentParser(prog="sohoa")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
