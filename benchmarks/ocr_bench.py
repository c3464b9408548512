"""sohoa against plain Tesseract and OCRmyPDF on the same pages, in one run.

    .venv/bin/python benchmarks/ocr_bench.py [--untuned-ocrmypdf N]

Every engine gets the same page images (PDF pages are rasterised once, first): the committed
samples, Tesseract's test pages, every linn variant (against linn.txt) and the Công báo pages at
200 dpi. Printed: pages/min, sohoa's ratio to each engine, peak RSS per process, CER per corpus,
and how close sohoa's wall time comes to its own Tesseract time divided by the cores.

OCRmyPDF is installed from PyPI into benchmarks/work/ocrmypdf-venv for this script only (with
Debian's ghostscript, which it requires).
Its best configuration here is two files at a time with OMP_THREAD_LIMIT=1 (``--jobs 1``);
``--untuned-ocrmypdf N`` also times what an untuned user gets (``--jobs 2``, no thread limit,
one file after another) on the first N pages.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import OcrSettings  # noqa: E402
from pipeline.textmetrics import cer  # noqa: E402

REAL = Path(os.environ.get("SOHOA_REALDATA", ROOT.parent / "shared" / "realdata"))
WORK = ROOT / "benchmarks" / "work"
LANG = OcrSettings.from_env().languages  # the same languages for every engine
TIMEOUT = 600


@dataclass
class Page:
    corpus: str
    image: Path  # the same file is given to every engine
    truth: str


@dataclass
class EngineRun:
    name: str
    wall: float = 0.0
    peak_rss_mb: float = 0.0
    texts: dict[Path, str] = field(default_factory=dict)


def prepare_pages() -> list[Page]:
    """One image file per page, with its ground-truth text."""
    pages_dir = WORK / "pages"
    if pages_dir.exists():
        shutil.rmtree(pages_dir)
    pages_dir.mkdir(parents=True)
    pages: list[Page] = []

    def rasterise(pdf: Path, dpi: int, stem: str) -> list[Path]:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-tiff", "-tiffcompression",
                        "lzw", str(pdf), str(pages_dir / stem)], check=True,
                       timeout=TIMEOUT)
        return sorted(pages_dir.glob(f"{stem}-*.tif"))

    for truth_file in sorted((ROOT / "samples" / "scans").glob("*.json")):
        truth = json.loads(truth_file.read_text())
        if "pages" not in truth or "file" not in truth:
            continue
        src = truth_file.with_name(truth["file"])
        if src.suffix == ".pdf":
            images = rasterise(src, int(truth["pages"][0].get("dpi", 300)), src.stem)
        elif src.suffix in (".tif", ".tiff") and len(truth["pages"]) > 1:
            images = _split_tiff(src, pages_dir)
        else:
            images = [src]
        pages += [Page("samples", img, p["text"]) for img, p in zip(images, truth["pages"],
                                                                     strict=False)]
    for tif in sorted((REAL / "tesseract").glob("*.tif")) + sorted(
            (REAL / "tesseract").glob("phototest-rotated-*.png")):
        truth = REAL / "tesseract" / (tif.stem.split("-rotated")[0] + ".txt")
        # viet.tif has no text file: the README says it is the one word "tiếng".
        text = truth.read_text() if truth.exists() else "tiếng"
        pages.append(Page("tesseract", tif, text))
    linn = (REAL / "ocrmypdf" / "linn.txt").read_text()
    pages.append(Page("linn", REAL / "ocrmypdf" / "linn.png", linn))
    for name in ("linn.pdf", "skew.pdf", "rotated_skew.pdf", "cardinal.pdf", "ccitt.pdf",
                 "jbig2.pdf"):
        for img in rasterise(REAL / "ocrmypdf" / name, 300, Path(name).stem):
            pages.append(Page("linn", img, linn))
    for img in rasterise(REAL / "vn-admin" / "New_54.2014.QH13.pdf", 200, "congbao"):
        n = int(img.stem.rsplit("-", 1)[1])
        truth = (REAL / "vn-admin" / f"New_54.2014.QH13.p{n}.txt").read_text()
        pages.append(Page("congbao-200dpi", img, truth))
    return pages


def _split_tiff(src: Path, out: Path) -> list[Path]:
    from PIL import Image, ImageSequence

    paths = []
    with Image.open(src) as im:
        for i, frame in enumerate(ImageSequence.Iterator(im), 1):
            path = out / f"{src.stem}-{i}.tif"
            frame.save(path, dpi=frame.info.get("dpi", (300, 300)))
            paths.append(path)
    return paths


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
        print(f"  warning: {cmd[0]} exited {code}: {proc.stderr.strip()[-300:]}", flush=True)
    return float(seconds), int(rss_kb) / 1024


def two_at_a_time(jobs: list[list[str]], env: dict) -> tuple[float, float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: measured(c, env), jobs))
    return time.perf_counter() - started, max(r[1] for r in results)


def run_tesseract(pages: list[Page]) -> EngineRun:
    out = WORK / "tesseract"
    out.mkdir(parents=True, exist_ok=True)
    jobs = [["tesseract", str(p.image), str(out / f"{i:04d}"), "-l", LANG]
            for i, p in enumerate(pages)]
    run = EngineRun("tesseract CLI (2 at a time, OMP_THREAD_LIMIT=1)")
    run.wall, run.peak_rss_mb = two_at_a_time(jobs, {"OMP_THREAD_LIMIT": "1"})
    run.texts = {p.image: (out / f"{i:04d}.txt").read_text() for i, p in enumerate(pages)}
    return run


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


def run_ocrmypdf(pages: list[Page], *, tuned: bool) -> EngineRun:
    exe = ocrmypdf_bin()
    out = WORK / ("ocrmypdf" if tuned else "ocrmypdf-untuned")
    out.mkdir(parents=True, exist_ok=True)
    jobs = [[exe, "-l", LANG, "--output-type", "pdfa", "--jobs", "1" if tuned else "2",
             "--image-dpi", "300", "--sidecar", str(out / f"{i:04d}.txt"), str(p.image),
             str(out / f"{i:04d}.pdf")] for i, p in enumerate(pages)]
    if tuned:
        run = EngineRun("OCRmyPDF (2 at a time, --jobs 1, OMP_THREAD_LIMIT=1)")
        run.wall, run.peak_rss_mb = two_at_a_time(jobs, {"OMP_THREAD_LIMIT": "1"})
    else:
        run = EngineRun("OCRmyPDF untuned (--jobs 2, no thread limit, one after another)")
        env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
        started = time.perf_counter()
        for cmd in jobs:
            _, rss = measured(cmd, env)
            run.peak_rss_mb = max(run.peak_rss_mb, rss)
        run.wall = time.perf_counter() - started
    for i, p in enumerate(pages):
        sidecar = out / f"{i:04d}.txt"
        run.texts[p.image] = sidecar.read_text() if sidecar.exists() else ""
    return run


def run_sohoa(pages: list[Page], *, archive: bool) -> tuple[EngineRun, float]:
    inputs = WORK / "sohoa-in"
    if inputs.exists():
        shutil.rmtree(inputs)
    inputs.mkdir(parents=True)
    names = {}
    for i, p in enumerate(pages):
        link = inputs / f"{i:04d}{p.image.suffix}"
        os.symlink(p.image, link)
        names[link.stem] = p.image
    out = WORK / "sohoa-out"
    shutil.rmtree(out, ignore_errors=True)
    sohoa = [str(ROOT / ".venv" / "bin" / "sohoa"), "process", "--no-progress", "-j", "2"]
    if not archive:
        sohoa.append("--no-archive")
    # Warm-up (first-use model set-up is not per-page work), then the measured run.
    measured([*sohoa, str(pages[0].image), "--out", str(WORK / "sohoa-warmup")])
    run = EngineRun("sohoa process, + classify, extract, sign, archive" if archive
                    else "sohoa process --no-archive (PDF/A + classify, extract)")
    STAGE_SECONDS.clear()
    run.wall, run.peak_rss_mb = measured([*sohoa, str(inputs), "--out", str(out)])
    recognition = 0.0
    for stem, image in names.items():
        result = json.loads((out / f"{stem}.json").read_text())
        run.texts[image] = "\n".join(p.get("text", "") for p in result.get("pages", []))
        for key, value in result.get("timings", {}).items():
            STAGE_SECONDS[key] = STAGE_SECONDS.get(key, 0.0) + value
        recognition += result.get("timings", {}).get("ocr.recognize", 0.0)
    return run, recognition


STAGE_SECONDS: dict[str, float] = {}  # summed over all pages of the sohoa run


def report(pages: list[Page], runs: list[EngineRun], sohoa: EngineRun,
           recognition: float) -> None:
    n = len(pages)
    corpora = sorted({p.corpus for p in pages})
    print(f"\n{n} pages ({', '.join(f'{c}: {sum(p.corpus == c for p in pages)}' for c in corpora)})"
          f", 2 cores, languages {LANG}\n")
    header = f"{'engine':62} {'wall s':>7} {'pages/min':>9} {'sohoa x':>8} {'peak RSS':>9}"
    print("(sohoa x: how many times longer than sohoa's digitization run the engine took)")
    print(header)
    print("-" * len(header))
    for run in runs:
        ratio = run.wall / sohoa.wall if sohoa.wall else 0
        print(f"{run.name:62} {run.wall:7.1f} {n / run.wall * 60:9.1f} {ratio:8.2f} "
              f"{run.peak_rss_mb:7.0f} MB")
    print(f"\nsohoa (no archive) wall / (its Tesseract recognition time / 2 cores): "
          f"{sohoa.wall / (recognition / 2):.2f}  (recognition {recognition:.1f} s)")
    print("sohoa per-stage time, ms per page (sum over pages / pages): " + ", ".join(
        f"{k}={v / n * 1000:.0f}" for k, v in sorted(STAGE_SECONDS.items())
        if k not in ("document.wall", "page.total")))
    short = {0: "sohoa", 1: "sohoa+archive"}
    names = [short.get(i, run.name.split(" (")[0].split(" CLI")[0]) for i, run in enumerate(runs)]
    print("\nCER by corpus (lower is better)" + " " * 9 + "".join(f"{n:>20}" for n in names))
    for corpus in corpora:
        subset = [p for p in pages if p.corpus == corpus]
        row = f"{corpus:39}"
        for run in runs:
            ref = "".join(p.truth for p in subset)
            errors = sum(cer(p.truth, run.texts.get(p.image, "")) * len(p.truth)
                         for p in subset)
            row += f"{errors / max(len(ref), 1) * 100:19.2f}%"
        print(row)
    linn = [p for p in pages if p.corpus == "linn"]
    print("\nlinn variants, sohoa CER per page: " + ", ".join(
        f"{p.image.stem}={cer(p.truth, sohoa.texts[p.image]) * 100:.2f}%" for p in linn))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--untuned-ocrmypdf", type=int, default=0, metavar="N",
                        help="also time untuned OCRmyPDF on the first N pages")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    pages = prepare_pages()
    print(f"{len(pages)} pages prepared; running engines one after another...", flush=True)
    tess = run_tesseract(pages)
    print(f"  tesseract: {tess.wall:.1f} s", flush=True)
    ocrmypdf = run_ocrmypdf(pages, tuned=True)
    print(f"  ocrmypdf: {ocrmypdf.wall:.1f} s", flush=True)
    full, _ = run_sohoa(pages, archive=True)
    print(f"  sohoa with archiving: {full.wall:.1f} s", flush=True)
    sohoa, recognition = run_sohoa(pages, archive=False)
    print(f"  sohoa: {sohoa.wall:.1f} s", flush=True)
    runs = [sohoa, full, tess, ocrmypdf]
    report(pages, runs, sohoa, recognition)
    if args.untuned_ocrmypdf:
        subset = pages[: args.untuned_ocrmypdf]
        untuned = run_ocrmypdf(subset, tuned=False)
        per_page = untuned.wall / len(subset)
        print(f"\nOCRmyPDF untuned on {len(subset)} pages: {per_page:.2f} s/page "
              f"({60 / per_page:.1f} pages/min); sohoa: {sohoa.wall / len(pages):.2f} s/page")


if __name__ == "__main__":
    main()
