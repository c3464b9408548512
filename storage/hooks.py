"""The archive as a document stage of ``sohoa process``: sign, store, record, index.

Runs after classification and extraction, in the runner's parent process (one SQLite writer).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipeline.config import Settings
from pipeline.model import DocumentResult, SourceFile


def document_hooks(settings: Settings, args: argparse.Namespace | None = None) -> list:
    if args is not None and getattr(args, "no_archive", False):
        return []
    from storage.archive import Archive

    archive: Archive | None = None

    def archive_hook(result: DocumentResult, source: SourceFile) -> None:
        nonlocal archive
        if archive is None:
            archive = Archive(settings)
        t = time.perf_counter()
        pdf = Path(result.pdf_path).read_bytes() if result.pdf_path else None
        record = archive.archive_document(
            result, pdf, source.path, branch=source.branch, batch_id=source.batch_id
        )
        result.archive = record.to_dict()
        result.timings["archive"] = time.perf_counter() - t

    return [archive_hook]
