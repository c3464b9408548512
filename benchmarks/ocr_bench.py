"""sohoa against plain Tesseract and OCRmyPDF on every real page, in one run.

    nice -n 10 .venv/bin/python benchmarks/ocr_bench.py [--corpus congbao,linn] [--funsd N]
                                                         [--reps N] [--no-ocrmypdf]

The pages (all of ``../shared/realdata/`` that has a text truth): Tesseract's test pages and
their rotations, the two UNLV pages, every linn variant (against linn.txt), the three Công báo
pages rasterised at 150, 200 and 300 dpi, and the FUNSD test scans (truth: their annotated
words). PDF pages are rasterised once, first; every engine gets the same image files.

Accuracy, per page: word recall (share of the truth's words, as a multiset of NFC
white-space tokens, found in the reading) and CER of sohoa (``sohoa process``, its own default
languages) against plain ``tesseract`` with the page's best language (vie for the Vietnamese
pages, eng for the others), same run.

Speed, end to end, two at a time on the same pages: plain ``tesseract -l vie`` (two processes,
OMP_THREAD_LIMIT=1), OCRmyPDF ``-l vie --output-type pdfa`` (two at a time, ``--jobs 1``), and
``sohoa process -j 2`` with signing and archiving into a FRESH ``SOHOA_HOME`` each run; the
physical floor is Tesseract's recognition alone, in process (tesserocr, API opened once per
process, 2 processes, the decoded gray page, start-up not counted). Repetitions interleave
the engines (each repetition starts with a different one).

OCRmyPDF comes from PyPI into benchmarks/work/ocrmypdf-venv (with Debian's ghostscript).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.textmetrics import cer  # noqa: E402

REAL = Path(os.environ.get("SOHOA_REALDATA", ROOT.parent / "shared" / "realdata"))
WORK = ROOT / "benchmarks" / "work"
TIMEOUT = 600
CONGBAO_DPI = (150, 200, 300)


@dataclass
class Page:
    corpus: str
    image: Path  # the same file is given to every engine
    truth: str
    language: str  # plain Tesseract's best language for the page

    @property
    def name(self) -> str:
        return self.image.stem


@dataclass
class EngineRun:
    name: str
    walls: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    texts: dict[Path, str] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls) if self.walls else 0.0


def word_recall(truth: str, reading: str) -> float:
    """Share of the truth's words (NFC, white-space separated, as a multiset) in the reading."""
    from pipeline.textmetrics import normalize_for_cer

    ref = Counter(normalize_for_cer(truth).split())
    got = Counter(normalize_for_cer(reading).split())
    total = sum(ref.values())
    return sum(min(n, got[w]) for w, n in ref.items()) / total if total else 1.0


# --- the pages ---------------------------------------------------------------------------


def prepare_pages(corpora: set[str] | None, funsd: int, folder: str = "pages") -> list[Page]:
    pages_dir = WORK / folder
    shutil.rmtree(pages_dir, ignore_errors=True)
    pages_dir.mkdir(parents=True)
    pages: list[Page] = []

    def rasterise(pdf: Path, dpi: int, stem: str) -> list[Path]:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-tiff", "-tiffcompression",
                        "lzw", str(pdf), str(pages_dir / stem)], check=True, timeout=TIMEOUT)
        return sorted(pages_dir.glob(f"{stem}-*.tif"))

    def wanted(corpus: str) -> bool:
        return corpora is None or corpus in corpora

    if wanted("tesseract"):
        tess = REAL / "tesseract"
        for image in sorted(tess.glob("*.tif")) + sorted(tess.glob("phototest-rotated-*.png")):
            truth = tess / (image.stem.split("-rotated")[0] + ".txt")
            # viet.tif has no text file: its README says it is the one word "tiếng".
            text = truth.read_text() if truth.exists() else "tiếng"
            corpus = "unlv" if image.stem[:2].isdigit() else "tesseract"
            pages.append(Page(corpus, image, text, "vie" if image.stem == "viet" else "eng"))
    if wanted("linn"):
        linn = (REAL / "ocrmypdf" / "linn.txt").read_text()
        pages.append(Page("linn", REAL / "ocrmypdf" / "linn.png", linn, "eng"))
        for name in ("linn", "skew", "rotated_skew", "cardinal", "ccitt", "jbig2"):
            for image in rasterise(REAL / "ocrmypdf" / f"{name}.pdf", 300, name):
                pages.append(Page("linn", image, linn, "eng"))
    if wanted("congbao"):
        pdf = REAL / "vn-admin" / "New_54.2014.QH13.pdf"
        for dpi in CONGBAO_DPI:
            for image in rasterise(pdf, dpi, f"congbao{dpi}"):
                n = int(image.stem.rsplit("-", 1)[1])
                truth = (REAL / "vn-admin" / f"New_54.2014.QH13.p{n}.txt").read_text()
                pages.append(Page("congbao", image, truth, "vie"))
    if wanted("funsd") and funsd:
        for image in sorted((REAL / "funsd" / "images").glob("*.png"))[:funsd]:
            form = json.loads((REAL / "funsd" / "annotations" / f"{image.stem}.json")
                              .read_text())["form"]
            words = [w["text"] for entity in form for w in entity["words"] if w["text"]]
            pages.append(Page("funsd", image, " ".join(words), "eng"))
    return pages


# --- engines -----------------------------------------------------------------------------


def measured(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run a command; return (seconds, peak RSS in MB of it and its descendants)."""
    probe = ("import resource,subprocess,sys,time;t=time.perf_counter();"
             "r=subprocess.run(sys.argv[1:],capture_output=True);"
             "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN)"
             ".ru_maxrss, r.returncode);sys.stderr.write(r.stderr.decode()[-2000:])")
    proc = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=TIMEOUT * 10, check=False)
    seconds, rss_kb, code = proc.stdout.split()
    if int(code) != 0:
        print(f"  warning: {Path(cmd[0]).name} exited {code}: {proc.stderr.strip()[-300:]}",
              flush=True)
    return float(seconds), int(rss_kb) / 1024


def two_at_a_time(jobs: list[list[str]], env: dict) -> tuple[float, float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: measured(c, env), jobs))
    return time.perf_counter() - started, max(r[1] for r in results)


def run_tesseract(run: EngineRun, pages: list[Page], language: str | None) -> None:
    """Plain tesseract CLI, two at a time; ``language`` None: each page's best language."""
    out = Path(tempfile.mkdtemp(prefix="tesseract-", dir=WORK))
    jobs = [["tesseract", str(p.image), str(out / f"{i:04d}"), "-l", language or p.language]
            for i, p in enumerate(pages)]
    wall, rss = two_at_a_time(jobs, {"OMP_THREAD_LIMIT": "1"})
    run.walls.append(wall)
    run.peak_rss_mb = max(run.peak_rss_mb, rss)
    run.texts = {p.image: (out / f"{i:04d}.txt").read_text() for i, p in enumerate(pages)}
    shutil.rmtree(out, ignore_errors=True)


def ocrmypdf_bin() -> str:
    if shutil.which("gs") is None:  # OCRmyPDF refuses to start without Ghostscript
        subprocess.run(["apt-get", "install", "-y", "-q", "ghostscript"], check=True,
                       timeout=900, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    venv = WORK / "ocrmypdf-venv"
    exe = venv / "bin" / "ocrmypdf"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "ocrmypdf"], check=True,
                       timeout=1800)
    return str(exe)


def run_ocrmypdf(run: EngineRun, pages: list[Page]) -> None:
    exe = ocrmypdf_bin()
    out = Path(tempfile.mkdtemp(prefix="ocrmypdf-", dir=WORK))
    jobs = [[exe, "-l", "vie", "--output-type", "pdfa", "--jobs", "1", "--image-dpi",
             str(_dpi(p)), "--sidecar", str(out / f"{i:04d}.txt"), str(p.image),
             str(out / f"{i:04d}.pdf")] for i, p in enumerate(pages)]
    wall, rss = two_at_a_time(jobs, {"OMP_THREAD_LIMIT": "1"})
    run.walls.append(wall)
    run.peak_rss_mb = max(run.peak_rss_mb, rss)
    shutil.rmtree(out, ignore_errors=True)


def _dpi(page: Page) -> int:
    for dpi in CONGBAO_DPI:
        if page.image.stem.startswith(f"congbao{dpi}"):
            return dpi
    return 100 if page.corpus == "funsd" else 300


def run_sohoa(run: EngineRun, pages: list[Page]) -> None:
    """``sohoa process -j 2`` with classification, extraction, signing and archiving, into a
    fresh SOHOA_HOME (so that every document is really signed and stored)."""
    inputs = Path(tempfile.mkdtemp(prefix="sohoa-in-", dir=WORK))
    names = {}
    for i, p in enumerate(pages):
        link = inputs / f"{i:04d}{p.image.suffix}"
        os.symlink(p.image, link)
        names[link.stem] = p.image
    home = Path(tempfile.mkdtemp(prefix="sohoa-home-", dir=WORK))
    out = home / "out"
    sohoa = [str(ROOT / ".venv" / "bin" / "sohoa"), "process", "--no-progress", "-j", "2",
             str(inputs), "--out", str(out)]
    wall, rss = measured(sohoa, {"SOHOA_HOME": str(home)})
    run.walls.append(wall)
    run.peak_rss_mb = max(run.peak_rss_mb, rss)
    stages: dict[str, float] = {}
    for stem, image in names.items():
        result = json.loads((out / f"{stem}.json").read_text())
        run.texts[image] = "\n".join(p.get("text", "") for p in result.get("pages", []))
        run.extra.setdefault("language", {})[image] = ",".join(
            p.get("language", "") for p in result.get("pages", []))
        run.extra.setdefault("rotation", {})[image] = ",".join(
            str(p.get("rotation", "")) for p in result.get("pages", []))
        for key, value in result.get("timings", {}).items():
            stages[key] = stages.get(key, 0.0) + value
    run.extra["stages"] = stages
    shutil.rmtree(inputs, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)


FLOOR = """
import os, sys, time
os.environ["OMP_THREAD_LIMIT"] = "1"
import cv2, tesserocr
sys.path.insert(0, sys.argv[1])
from pipeline.ocr import find_tessdata
api = tesserocr.PyTessBaseAPI(path=find_tessdata(), lang="vie")
images = [cv2.imread(p, cv2.IMREAD_GRAYSCALE) for p in sys.argv[2:]]
t = time.perf_counter()
for img in images:
    h, w = img.shape
    api.SetImageBytes(img.tobytes(), w, h, 1, w)
    api.Recognize()
    api.GetTSVText(0)
print(time.perf_counter() - t)
"""


def run_floor(run: EngineRun, pages: list[Page]) -> None:
    """Tesseract's recognition alone, in process, 2 processes: pages dealt alternately."""
    halves = [[str(p.image) for p in pages[k::2]] for k in (0, 1)]
    with ThreadPoolExecutor(2) as pool:
        seconds = list(pool.map(lambda half: float(subprocess.run(
            [sys.executable, "-c", FLOOR, str(ROOT), *half], capture_output=True, text=True,
            check=True, timeout=TIMEOUT * 10).stdout.split()[-1]), halves))
    run.walls.append(max(seconds))


# --- report ------------------------------------------------------------------------------


def report(pages: list[Page], sohoa: EngineRun, best: EngineRun, speed: list[EngineRun],
           floor: EngineRun | None) -> None:
    n = len(pages)
    corpora = sorted({p.corpus for p in pages})
    print(f"\n{n} pages ({', '.join(f'{c}: {sum(p.corpus == c for p in pages)}' for c in corpora)})"
          f", 2 cores (shared with other work), {len(sohoa.walls)} repetition(s), median wall")
    print("\nAccuracy per page: word recall (higher is better) and CER, sohoa against plain "
          "tesseract with the page's best language")
    header = (f"{'page':28} {'lang':5} {'sohoa read':10} {'recall':>7} {'tess':>7} {'diff':>7}"
              f" {'CER':>7} {'tess':>7}  verdict")
    print(header)
    print("-" * len(header))
    failures = 0
    for p in pages:
        ours, theirs = sohoa.texts.get(p.image, ""), best.texts.get(p.image, "")
        r_ours, r_theirs = word_recall(p.truth, ours), word_recall(p.truth, theirs)
        c_ours, c_theirs = cer(p.truth, ours), cer(p.truth, theirs)
        verdict = "ok" if r_ours >= r_theirs - 0.005 else "BELOW"
        if p.corpus == "congbao" and (r_ours < 0.95 or c_ours > 0.02):
            verdict += " (<0.95 or CER>2%)"
        failures += not verdict.startswith("ok")
        read = (sohoa.extra.get("language", {}).get(p.image, "") + "/"
                + sohoa.extra.get("rotation", {}).get(p.image, ""))
        print(f"{p.corpus + ':' + p.name:28.28} {p.language:5} {read:10.10} {r_ours:7.3f} "
              f"{r_theirs:7.3f} {r_ours - r_theirs:+7.3f} {c_ours * 100:6.2f}% "
              f"{c_theirs * 100:6.2f}%  {verdict}")
    print(f"\n{'By corpus (mean word recall / total CER)':46}{'sohoa':>19}{'tesseract':>20}")
    for corpus in corpora + ["all"]:
        subset = [p for p in pages if corpus in ("all", p.corpus)]
        row = f"{corpus:46}"
        for run in (sohoa, best):
            recall = statistics.mean(word_recall(p.truth, run.texts.get(p.image, ""))
                                     for p in subset)
            errors = sum(cer(p.truth, run.texts.get(p.image, "")) * len(p.truth) for p in subset)
            row += f"{recall:11.3f} {errors / max(sum(len(p.truth) for p in subset), 1):7.2%}"
        print(row)
    print(f"pages below plain tesseract - 0.005 (or Công báo < 0.95 / CER > 2%): {failures}")
    if not speed:
        return
    print("\nSpeed, end to end, same pages, 2 processes (x tess: wall / plain tesseract -l vie)")
    tess = next(r for r in speed if r.name.startswith("tesseract"))
    header = f"{'engine':62} {'wall s':>7} {'pages/min':>9} {'x tess':>7} {'peak RSS':>9}"
    print(header)
    print("-" * len(header))
    for run in speed + ([floor] if floor else []):
        rss = f"{run.peak_rss_mb:6.0f} MB" if run.peak_rss_mb else ""
        print(f"{run.name:62} {run.wall:7.1f} {n / run.wall * 60:9.1f} "
              f"{run.wall / tess.wall:7.2f} {rss:>9}")
    ours = next(r for r in speed if r.name.startswith("sohoa"))
    other = next((r for r in speed if r.name.startswith("OCRmyPDF")), None)
    print("walls per repetition: " + "; ".join(
        f"{r.name.split(' ')[0]} " + "/".join(f"{w:.1f}" for w in r.walls) for r in speed))
    print(f"sohoa / tesseract -l vie wall: {ours.wall / tess.wall:.2f} (target <= 0.75)")
    if other:
        print(f"sohoa pages/min / OCRmyPDF pages/min: {other.wall / ours.wall:.2f} "
              f"(target >= 4)")
    stages = ours.extra.get("stages", {})
    print("sohoa per-stage time, ms per page (sum over pages / pages): " + ", ".join(
        f"{k}={v / n * 1000:.0f}" for k, v in sorted(stages.items())
        if k not in ("document.wall", "page.total")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=None,
                        help="comma-separated subset: tesseract,unlv,linn,congbao,funsd")
    parser.add_argument("--funsd", type=int, default=50, help="FUNSD scans to use (of 50)")
    parser.add_argument("--only", default=None,
                        help="comma-separated parts of page names: only those pages")
    parser.add_argument("--reps", type=int, default=1, help="speed repetitions, interleaved")
    parser.add_argument("--no-ocrmypdf", action="store_true", help="skip OCRmyPDF (slow)")
    parser.add_argument("--accuracy-only", action="store_true",
                        help="only sohoa and plain tesseract with the best language")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    corpora = set(args.corpus.split(",")) if args.corpus else None
    if corpora and "unlv" in corpora:
        corpora.add("tesseract")
    pages = prepare_pages(corpora, args.funsd)
    if corpora:
        pages = [p for p in pages if p.corpus in corpora]
    if args.only:
        pages = [p for p in pages if any(part in p.name for part in args.only.split(","))]
    print(f"{len(pages)} pages prepared", flush=True)

    sohoa = EngineRun("sohoa process -j 2, classify, extract, sign, archive (fresh home)")
    tess_vie = EngineRun("tesseract -l vie (2 at a time, OMP_THREAD_LIMIT=1)")
    ocrmypdf = EngineRun("OCRmyPDF -l vie --output-type pdfa (2 at a time, --jobs 1)")
    floor = EngineRun("floor: Tesseract recognition alone, in process (tesserocr)")
    engines = [(sohoa, run_sohoa), (tess_vie, lambda r, p: run_tesseract(r, p, "vie"))]
    if not args.accuracy_only:
        if not args.no_ocrmypdf:
            engines.append((ocrmypdf, run_ocrmypdf))
        engines.append((floor, run_floor))
    for rep in range(args.reps):
        order = engines[rep % len(engines):] + engines[:rep % len(engines)]
        for run, fn in order:
            fn(run, pages)
            print(f"  rep {rep + 1}: {run.name.split(' (')[0]}: {run.walls[-1]:.1f} s",
                  flush=True)
    best = EngineRun("tesseract, best language")
    run_tesseract(best, pages, None)
    speed = [] if args.accuracy_only else [sohoa, tess_vie] + (
        [] if args.no_ocrmypdf else [ocrmypdf])
    report(pages, sohoa, best, speed, None if args.accuracy_only else floor)


if __name__ == "__main__":
    main()
