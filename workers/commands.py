"""CLI: ``sohoa worker``, ``sohoa submit``, ``sohoa status`` (registered by pipeline/cli.py).

Exit codes: 0 success, 1 failed documents / not found, 2 usage, 3 storage or broker unavailable.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from pipeline.config import Settings
from pipeline.model import SohoaError, TransientError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "worker", help="run distributed workers (dramatiq) on SOHOA_BROKER_URL")
    p.add_argument("--processes", type=int, default=0,
                   help="worker processes (default: SOHOA_WORKERS or one per core)")
    p.add_argument("--threads", type=int, default=1,
                   help="threads per process (default 1: OCR is CPU bound)")
    p.add_argument("--queues", nargs="*", default=None, help="queues to consume (default all)")
    p.add_argument("--metrics-port", type=int, default=None,
                   help="Prometheus port (default SOHOA_METRICS_PORT or 9191; 0: off)")
    p.set_defaults(func=cmd_worker)

    p = subparsers.add_parser("submit", help="enqueue a batch of documents; prints its id")
    p.add_argument("inputs", nargs="*", help="files or folders")
    p.add_argument("--branch", required=True, help="branch code of the receiving office")
    p.add_argument("--dossier", default=None, help="dossier code the documents belong to")
    add_actor(p)
    p.add_argument("--json", action="store_true",
                   help='print {"batch_id": ..., "documents": N}')
    p.add_argument("--resume", metavar="BATCH", default=None,
                   help="send the unfinished documents of BATCH again (after a broker loss)")
    p.set_defaults(func=cmd_submit)

    p = subparsers.add_parser("status", help="state of each document of a batch")
    p.add_argument("batch")
    p.add_argument("--json", action="store_true")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="poll until the batch is complete (at most SECONDS)")
    p.set_defaults(func=cmd_status)


def add_actor(p) -> None:
    p.add_argument("--actor", default=None,
                   help="the person behind the action (default: the login name)")


def actor_of(args: argparse.Namespace) -> str:
    import getpass

    return " ".join((args.actor or "").split()) or getpass.getuser()


def _guard(fn):
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except TransientError as exc:
            print(f"sohoa: unavailable: {exc.message}", file=sys.stderr)
            return 3
        except SohoaError as exc:
            print(f"sohoa: {exc.code}: {exc.message}", file=sys.stderr)
            return 1
        except (ConnectionError, OSError) as exc:
            print(f"sohoa: unavailable: {exc}", file=sys.stderr)
            return 3

    wrapper.__name__ = fn.__name__
    return wrapper


def cmd_worker(args: argparse.Namespace) -> int:
    from workers import supervisor

    settings = Settings.from_env()
    if not settings.broker_url:
        print("sohoa worker: no broker configured: set SOHOA_BROKER_URL (redis://... or "
              "amqp://...); without one, 'sohoa process' and 'sohoa submit' run embedded",
              file=sys.stderr)
        return 2
    processes = args.processes or settings.process_count
    return supervisor.run(settings, processes=processes, threads=max(1, args.threads),
                          queues=args.queues, metrics_port=args.metrics_port)


@_guard
def cmd_submit(args: argparse.Namespace) -> int:
    from workers.submit import resume_batch, submit_batch

    settings = Settings.from_env()
    if args.resume:
        n = resume_batch(args.resume, settings)
        out = {"batch_id": args.resume, "documents": n}
    else:
        if not args.inputs:
            print("sohoa submit: no input files", file=sys.stderr)
            return 2
        receipt = submit_batch(args.inputs, args.branch, args.dossier, settings,
                               actor=actor_of(args))
        out = receipt.to_dict()
    if args.json:
        print(json.dumps(out))
    else:
        print(out["batch_id"])
        print(f"{out['documents']} document(s) queued", file=sys.stderr)
    return 0


@_guard
def cmd_status(args: argparse.Namespace) -> int:
    from workers.submit import batch_status

    settings = Settings.from_env()
    deadline = time.monotonic() + args.wait
    status = batch_status(args.batch, settings)
    while not status["complete"] and time.monotonic() < deadline:
        time.sleep(1.0)
        status = batch_status(args.batch, settings)
    if args.json:
        print(json.dumps({"batch_id": status["batch_id"], "progress": status["progress"],
                          "complete": status["complete"],
                          "documents": [{k: d[k] for k in ("id", "file", "state", "reason",
                                                           "archive_key")}
                                        for d in status["documents"]]},
                         ensure_ascii=False))
    else:
        p = status["progress"]
        print(f"batch {status['batch_id']} (branch {status['branch']}): {p['finished']}/"
              f"{p['documents']} finished ({p['percent']}%): {p['done']} done, "
              f"{p['needs_review']} needs review, {p['failed']} failed, {p['running']} running, "
              f"{p['queued']} queued")
        for d in status["documents"]:
            line = f"  {d['state']:<12} {d['id']}  {d['file']}"
            if d["reason"]:
                line += f"  [{d['reason'].get('code')}] {d['reason'].get('message')}"
            elif d["archive_key"]:
                line += f"  -> {d['archive_key']}"
            print(line)
    return 1 if status["progress"]["failed"] else 0
