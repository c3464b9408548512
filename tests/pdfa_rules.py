"""The PDF/A-2b rules sohoa's PDFs must keep, checked with pikepdf, qpdf and poppler.

Not a full veraPDF validation (no Java validator installs here), but the rules that our writer
and signer could break: version, identification, XMP claim, output intent, embedded fonts, no
encryption, JavaScript, transparency or forbidden filters, and that real readers open it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
from pikepdf import Name

FORBIDDEN_FILTERS = {"/LZWDecode", "/JBIG2Decode"}  # JBIG2 is allowed, but we never write it


def check_pdfa(path: str | Path) -> list[str]:
    """Every broken rule, as a sentence; an empty list means the file passes."""
    path = Path(path)
    problems: list[str] = []
    head = path.read_bytes()[:32]
    if not head.startswith(b"%PDF-1.") or head[7:8] not in b"4567":
        problems.append(f"header {head[:8]!r}: PDF/A-2 needs PDF 1.4 to 1.7")
    if b"\n%" not in head and b"\r%" not in head:
        problems.append("no binary comment after the header")
    with pikepdf.open(path) as pdf:
        if pdf.is_encrypted:
            problems.append("encrypted")
        if "/ID" not in pdf.trailer:
            problems.append("no /ID in the trailer")
        problems += _check_metadata(pdf)
        problems += _check_output_intent(pdf)
        root = pdf.Root
        if "/Names" in root and "/JavaScript" in root.Names:
            problems.append("document JavaScript")
        if "/AA" in root:
            problems.append("document additional actions")
        if "/OpenAction" in root and "/JS" in root.OpenAction:
            problems.append("JavaScript open action")
        if "/Names" in root and "/EmbeddedFiles" in root.Names:
            problems.append("embedded files")
        for number, page in enumerate(pdf.pages, 1):
            problems += [f"page {number}: {p}" for p in _check_page(page)]
    problems += _check_readers(path)
    return problems


def _check_metadata(pdf: pikepdf.Pdf) -> list[str]:
    if "/Metadata" not in pdf.Root:
        return ["no XMP metadata"]
    meta = pdf.open_metadata()
    out = []
    if meta.get("pdfaid:part") != "2":
        out.append(f"XMP pdfaid:part is {meta.get('pdfaid:part')!r}, not 2")
    if (meta.get("pdfaid:conformance") or "").upper() != "B":
        out.append(f"XMP pdfaid:conformance is {meta.get('pdfaid:conformance')!r}, not B")
    return out


def _check_output_intent(pdf: pikepdf.Pdf) -> list[str]:
    intents = pdf.Root.get("/OutputIntents")
    if not intents:
        return ["no OutputIntent"]
    pdfa = [i for i in intents if i.get("/S") == Name.GTS_PDFA1]
    if not pdfa:
        return ["no GTS_PDFA1 OutputIntent"]
    profile = pdfa[0].get("/DestOutputProfile")
    if profile is None:
        return ["OutputIntent without a DestOutputProfile"]
    data = profile.read_bytes()
    space = data[16:20]
    n = int(profile.get("/N", 0))
    if (space, n) not in ((b"RGB ", 3), (b"GRAY", 1), (b"CMYK", 4)):
        return [f"ICC profile colour space {space!r} does not match /N {n}"]
    return []


def _check_page(page: pikepdf.Page) -> list[str]:
    out = []
    if "/Group" in page.obj and page.obj.Group.get("/S") == Name.Transparency:
        out.append("transparency group")
    if "/AA" in page.obj:
        out.append("page additional actions")
    resources = page.obj.get("/Resources", pikepdf.Dictionary())
    for name, xobj in resources.get("/XObject", {}).items():
        if xobj.get("/Subtype") == Name.Image:
            if "/SMask" in xobj:
                out.append(f"image {name} has a soft mask (transparency)")
            if xobj.get("/Interpolate") is True:
                out.append(f"image {name} asks for interpolation")
            filters = xobj.get("/Filter")
            names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) \
                else [str(filters)] if filters is not None else []
            bad = FORBIDDEN_FILTERS.intersection(names)
            if bad:
                out.append(f"image {name} uses {', '.join(sorted(bad))}")
    for name, font in resources.get("/Font", {}).items():
        out += [f"font {name}: {p}" for p in _check_font(font)]
    for name, gs in resources.get("/ExtGState", {}).items():
        if gs.get("/SMask", Name.None_) != Name.None_:
            out.append(f"graphics state {name} has a soft mask")
        for key in ("/CA", "/ca"):
            if key in gs and float(gs[key]) != 1.0:
                out.append(f"graphics state {name} sets {key} {float(gs[key])}")
    for annot in page.obj.get("/Annots", []):
        flags = int(annot.get("/F", 0))
        rect = [float(v) for v in annot.get("/Rect", [0, 0, 0, 0])]
        invisible = rect[2] - rect[0] == 0 and rect[3] - rect[1] == 0
        if not flags & 4 and not invisible:
            out.append("annotation without the print flag")
    return out


def _check_font(font: pikepdf.Object) -> list[str]:
    fonts = [font]
    if font.get("/Subtype") == Name.Type0:
        fonts = list(font.DescendantFonts)
        if "/ToUnicode" not in font:
            return ["Type0 font without ToUnicode"]
    out = []
    for f in fonts:
        desc = f.get("/FontDescriptor")
        if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2",
                                                       "/FontFile3")):
            out.append(f"{f.get('/BaseFont')} is not embedded")
        if f.get("/Subtype") == Name.CIDFontType2 and "/CIDToGIDMap" not in f:
            out.append("CIDFontType2 without CIDToGIDMap")
    return out


def _check_readers(path: Path) -> list[str]:
    out = []
    qpdf = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True,
                          timeout=120, check=False)
    if qpdf.returncode not in (0, 3):  # 3: warnings only
        out.append(f"qpdf --check failed: {qpdf.stdout[-300:]} {qpdf.stderr[-300:]}")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60,
                          check=False)
    if info.returncode != 0:
        out.append(f"poppler's pdfinfo cannot open it: {info.stderr.strip()[-300:]}")
    return out
