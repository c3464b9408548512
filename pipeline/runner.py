"""The embedded runner: documents through the stages on one machine, pages across processes.

The parent process only lists files, hands out pages and assembles documents; Tesseract runs
in the pool's worker processes, each limited to one OpenMP thread, one page at a time. Pages
of every document share one queue, so two processes stay busy whether the batch holds many
one-page scans or one long PDF.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import ingest
from pipeline.config import Settings, process_setup
from pipeline.flow import Arrival, Flow, assemble_pdf, document_id
from pipeline.model import DocumentResult, OcrPage, SohoaError, SourceFile
from pipeline.pages import PageTask, run_page

PAGE_MODULES = ["pipeline.pages", "pipeline.ocr", "classifiers.cues", "classifiers.qr",
                "extractors.handwriting"]


@dataclass
class DocumentJob:
    """A document in flight: its source, and its pages as they come back."""

    source: SourceFile
    document_id: str
    page_count: int
    pdf_output: Path
    started: float = field(default_factory=time.perf_counter)
    pages: dict[int, OcrPage] = field(default_factory=dict)
    page_files: dict[int, Path] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return len(self.pages) == self.page_count


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given, and the files inside folders (sorted, hidden and sidecars skipped)."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*"))
                         if p.is_file() and not p.name.startswith(".")
                         and p.suffix.lower() not in (".json", ".txt", ".md"))
        else:
            files.append(path)
    return files


def _page_job(task: PageTask, spool: str) -> tuple[OcrPage, str | None]:
    outcome = run_page(task)
    if outcome.pdf is None:
        return outcome.page, None
    path = os.path.join(spool, f"{task.document_id}-{task.number:05d}.pdf")
    with open(path, "wb") as fh:
        fh.write(outcome.pdf)
    return outcome.page, path


class Runner:
    """Runs documents through the pipeline with a pool of worker processes."""

    def __init__(self, settings: Settings, *, flow: Flow | None = None,
                 processes: int | None = None, source_meta: dict | None = None,
                 actor: str = "sohoa"):
        self.settings = settings
        self.flow = flow  # None: pages and PDF/A only (``sohoa ocr``)
        self.source_meta = source_meta or {}  # branch, batch id, dossier code
        self.actor = actor
        self.processes = processes or settings.process_count

    def run(self, files: Iterable[Path], out_dir: Path,
            on_page: Callable[[], None] | None = None,
            on_total: Callable[[int], None] | None = None,
            pdf_name: Path | None = None,
            arrivals: dict[str, Arrival] | None = None) -> Iterator[DocumentResult]:
        """Yield one DocumentResult per file, in the order documents finish. Each document's
        PDF/A and JSON result land in ``out_dir`` (``pdf_name`` names the PDF of a single
        document). ``arrivals`` gives, per file path, who sent it from where (default: the
        runner's ``source_meta`` and actor)."""
        self.arrivals = arrivals or {}
        out_dir.mkdir(parents=True, exist_ok=True)
        spool = tempfile.mkdtemp(prefix=".sohoa-spool-", dir=out_dir)
        process_setup()  # before the forkserver starts: every worker inherits it
        context = multiprocessing.get_context("forkserver")
        # Imported once in the forkserver, inherited by every pool process: what a page
        # needs (Tesseract, OpenCV, the receipt cues and QR decoder, the ink features).
        context.set_forkserver_preload(PAGE_MODULES)
        try:
            with ProcessPoolExecutor(self.processes, mp_context=context,
                                     initializer=process_setup) as pool:
                yield from self._run(pool, list(files), out_dir, spool, on_page, on_total,
                                     pdf_name)
        finally:
            shutil.rmtree(spool, ignore_errors=True)

    def _run(self, pool, files, out_dir, spool, on_page, on_total, pdf_name):
        window = self.processes * 3  # pages in flight: enough to keep the pool busy
        pending: dict[Future, tuple[DocumentJob, int]] = {}
        names: set[str] = set()
        total = 0
        tasks = self._tasks(files, out_dir, names, pdf_name)
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                item = next(tasks, None)
                if item is None:
                    exhausted = True
                    break
                if isinstance(item, DocumentResult):  # failed before any page was read
                    yield item
                    continue
                job, task = item
                if task.number == 1:
                    total += job.page_count
                    if on_total:
                        on_total(total)
                pending[pool.submit(_page_job, task, spool)] = (job, task.number)
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job, number = pending.pop(future)
                page, path = future.result()
                job.pages[number] = page
                if path:
                    job.page_files[number] = Path(path)
                if on_page:
                    on_page()
                if job.complete:
                    yield self._finish(job)

    def _tasks(self, files: list[Path], out_dir: Path, names: set[str],
               pdf_name: Path | None):
        limits, ocr = self.settings.limits, self.settings.ocr
        for path in files:
            try:
                source = ingest.open_source(path, limits, **self.source_meta)
                count = ingest.count_pages(source, limits)
            except SohoaError as exc:
                result = DocumentResult(document_id="", file=str(path), error=exc.to_dict())
                write_json(result, out_dir / f"{_unique_stem(path, '', names)}.json")
                yield result
                continue
            doc_id = document_id(source.sha256)
            output = pdf_name or out_dir / f"{_unique_stem(path, source.sha256, names)}.pdf"
            job = DocumentJob(source, doc_id, count, output)
            for number in range(1, count + 1):
                yield job, PageTask(source, number, doc_id, limits, ocr)

    def _finish(self, job: DocumentJob) -> DocumentResult:
        pages = list(job.pages.values())
        files = [job.page_files[n] for n in sorted(job.page_files)]
        if self.flow is None:
            result = assemble_pdf(job.source, job.document_id, pages, files, job.pdf_output)
        else:
            arrival = self.arrivals.get(job.source.path) or Arrival(
                Path(job.source.name).name, job.source.branch, job.source.batch_id,
                job.source.dossier_code, self.actor)
            result = self.flow.finish(job.source, pages, files, job.pdf_output, arrival)
        for path in job.page_files.values():
            path.unlink(missing_ok=True)
        result.timings["document.wall"] = time.perf_counter() - job.started
        write_json(result, job.pdf_output.with_suffix(".json"))
        return result


def write_json(result: DocumentResult, path: Path) -> None:
    """The document's JSON result, written atomically; compact (with ``indent`` the JSON
    encoder runs in pure Python, several times slower on a document's words)."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":")),
                   "utf-8")
    os.replace(tmp, path)


def _unique_stem(path: Path, sha256: str, taken: set[str]) -> str:
    stem = path.stem or "document"
    n = 1
    while stem in taken:
        stem = f"{path.stem}-{sha256[:8]}" if n == 1 and sha256 else f"{path.stem}-{n}"
        n += 1
    taken.add(stem)
    return stem
