"""A tiny page layout engine: lines of styled runs on A4 pages, wrapped, with the text kept.

Everything is drawn at the style's dpi (300 by default, A4 = 2480x3508) in grayscale.
"""

from __future__ import annotations

import functools
import math
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from samples.model import FieldBox, Style

_DV = "/usr/share/fonts/truetype/dejavu/"
_NT = "/usr/share/fonts/truetype/noto/"
# family -> (regular, bold, italic, bold italic)
FONT_FAMILIES: dict[str, tuple[str, str, str, str]] = {
    "dejavu-serif": tuple(
        _DV + f for f in ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf",
                          "DejaVuSerif-BoldItalic.ttf")
    ),
    "dejavu-sans": tuple(
        _DV + f for f in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
                          "DejaVuSans-BoldOblique.ttf")
    ),
    "noto-serif": tuple(
        _NT + f for f in ("NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf", "NotoSerif-Italic.ttf",
                          "NotoSerif-BoldItalic.ttf")
    ),
    "noto-sans": tuple(
        _NT + f for f in ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSans-Italic.ttf",
                          "NotoSans-BoldItalic.ttf")
    ),
    # not in the default mix: kept for held-out sets (`--fonts dejavu-sans-condensed`)
    "dejavu-sans-condensed": tuple(
        _DV + f for f in ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf",
                          "DejaVuSansCondensed-Oblique.ttf", "DejaVuSansCondensed-BoldOblique.ttf")
    ),
    "dejavu-serif-condensed": tuple(
        _DV + f for f in ("DejaVuSerifCondensed.ttf", "DejaVuSerifCondensed-Bold.ttf",
                          "DejaVuSerifCondensed-Italic.ttf", "DejaVuSerifCondensed-BoldItalic.ttf")
    ),
}  # type: ignore[assignment]  # fmt: skip
DEFAULT_FONTS = ("dejavu-serif", "dejavu-sans", "noto-serif", "noto-sans")
A4_MM = (210.0, 297.0)


@functools.cache
def font_files(family: str) -> tuple[str, str, str, str]:
    """Resolve a family key, a .ttf path or a fontconfig name to 4 files (fallback: regular)."""
    if family in FONT_FAMILIES:
        return FONT_FAMILIES[family]
    if Path(family).is_file():
        p = Path(family)
        out = [str(p)]
        for suffix in ("Bold", "Italic", "BoldItalic"):
            cands = [
                p.with_name(p.name.replace("Regular", suffix)),
                p.with_name(f"{p.stem}-{suffix}{p.suffix}"),
            ]
            out.append(next((str(c) for c in cands if c.is_file() and c != p), str(p)))
        return tuple(out)  # type: ignore[return-value]
    out = []
    for st in ("Regular", "Bold", "Italic", "Bold Italic"):
        r = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{family}:style={st}"],
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(r.stdout.strip())
    return tuple(out)  # type: ignore[return-value]


@functools.cache
def load_font(family: str, px: int, bold: bool, italic: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_files(family)[int(bold) + 2 * int(italic)], px)


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    field: str | None = None  # contract field this text is the value of (for boxes)
    tab: float | None = None  # jump to this fraction of the text width before the run
    fill: int = 0  # >0: a dot leader of at most this many dots (kept only if it fits)
    hand: bool = False  # a value the citizen fills in: handwritten when the style has a hand
    glue: bool = False  # no space before the run ("Số điện thoại:0912345678")


def R(text: str, **kw: object) -> Run:  # noqa: N802  short constructor for form code
    return Run(text, **kw)  # type: ignore[arg-type]


class Doc:
    """Draws runs line by line, starts new pages when full, remembers the text and field boxes."""

    def __init__(self, style: Style) -> None:
        self.style = style
        self.dpi = style.dpi
        self.W = round(A4_MM[0] / 25.4 * self.dpi)
        self.H = round(A4_MM[1] / 25.4 * self.dpi)
        mm = self.dpi / 25.4
        t, r, b, left = style.margin_mm
        self.left, self.right = round(left * mm), self.W - round(r * mm)
        self.top, self.bottom = round(t * mm), self.H - round(b * mm)
        self.px = style.size_pt * self.dpi / 72
        self.pages: list[Image.Image] = []
        # hand-filled forms: the ink of the pen on its own layer per page (multiplied over the
        # printed page at the end, so handwriting can cross the dots and lines it is written on)
        self.ink: list[Image.Image] = []
        self.lines: list[list[str]] = []
        self.boxes: dict[str, FieldBox] = {}
        self.seal: tuple[int, int, int] | None = None  # (page, x, y) where a seal would go
        self._hand_rng = random.Random(f"hand/{style.hand}/{style.ink}/{style.margin_mm}")
        self.new_page()

    # -- pages ----------------------------------------------------------------------------
    def new_page(self) -> None:
        self.pages.append(Image.new("L", (self.W, self.H), 255))
        if self.style.hand:
            self.ink.append(Image.new("RGB", (self.W, self.H), (255, 255, 255)))
        self.lines.append([])
        self.draw = ImageDraw.Draw(self.pages[-1])
        self.y = float(self.top)

    def ensure(self, height: float) -> None:
        if self.y + height > self.bottom and self.y > self.top:
            self.new_page()

    def font(self, bold: bool = False, italic: bool = False, scale: float = 1.0):
        return load_font(self.style.font, round(self.px * scale), bold, italic)

    def run_font(self, run: Run, scale: float = 1.0):
        if run.hand and self.style.hand:
            return load_font(self.style.hand, round(self.px * scale * self.style.hand_scale),
                             False, False)
        return self.font(run.bold, run.italic, scale)

    def handwritten(self) -> bool:
        return bool(self.style.hand)

    def composite(self) -> list[Image.Image]:
        """The finished pages: printed form x pen ink (RGB when hand-filled)."""
        if not self.ink:
            return self.pages
        out = []
        for page, ink in zip(self.pages, self.ink, strict=True):
            a = np.asarray(page.convert("RGB"), dtype=np.uint16)
            b = np.asarray(ink, dtype=np.uint16)
            out.append(Image.fromarray((a * b // 255).astype(np.uint8), "RGB"))
        return out

    def hand_text(self, pos: tuple[float, float], text: str, font, rng: random.Random,
                  anchor: str = "ls") -> tuple[int, int, int, int]:
        """One handwritten word at its baseline: ink colour, pressure, tilt and a wandering
        baseline, drawn on the ink layer. Returns its box on the page."""
        st = self.style
        bbox = font.getbbox(text, anchor=anchor)
        pad = round(font.size * 0.4)
        w, h = bbox[2] - bbox[0] + 2 * pad, bbox[3] - bbox[1] + 2 * pad
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).text((pad - bbox[0], pad - bbox[1]), text, font=font,
                                  fill=round(255 * rng.uniform(0.78, 1.0)), anchor=anchor,
                                  stroke_width=st.hand_stroke)
        angle = st.hand_slant + rng.uniform(-2.5, 2.5)
        mask = mask.rotate(angle, resample=Image.BICUBIC, expand=False)
        dy = rng.uniform(-0.12, 0.12) * font.size + st.hand_rise * font.size
        x, y = round(pos[0] + bbox[0] - pad), round(pos[1] + bbox[1] - pad + dy)
        ink = tuple(max(0, min(255, c + rng.randint(-12, 12))) for c in st.ink)
        layer = self.ink[-1]
        region = (x, y, x + w, y + h)
        solid = Image.new("RGB", (w, h), ink)
        base = layer.crop(region)
        # darker wins (ink over ink): min of the layer and the coloured stroke
        stroke = Image.composite(solid, Image.new("RGB", (w, h), (255, 255, 255)), mask)
        layer.paste(Image.fromarray(np.minimum(np.asarray(base), np.asarray(stroke))), region)
        return (round(pos[0] + bbox[0]), round(pos[1] + bbox[1] + dy),
                round(pos[0] + bbox[2]), round(pos[1] + bbox[3] + dy))

    def space(self, lines: float = 0.5) -> None:
        self.y += self.px * self.style.line_gap * lines

    @property
    def page_no(self) -> int:
        return len(self.pages)

    def _box(self, field: str, box: tuple[float, float, float, float]) -> None:
        b = [round(v) for v in box]
        old = self.boxes.get(field)
        if old and old.page == self.page_no:
            o = old.bbox
            b = [min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3])]
        self.boxes[field] = FieldBox(self.page_no, b)

    # -- text -----------------------------------------------------------------------------
    def line(
        self,
        runs: list[Run],
        align: str = "left",
        scale: float = 1.0,
        indent: float = 0.0,
        x0: int | None = None,
        x1: int | None = None,
        hang: float = 0.0,
    ) -> None:
        """Lay out runs, wrapping words; align is left/center/right. indent/hang in px;
        ``hang < 0``: wrapped lines continue under the start of the second run (the value)."""
        x0 = self.left if x0 is None else x0
        x1 = self.right if x1 is None else x1
        width = x1 - x0
        # tokens: (word, run, starts_run)
        rows: list[list[tuple[float, str, Run]]] = [[]]
        x = indent
        under_value = hang < 0
        hang = max(0.0, hang)
        for k, run in enumerate(runs):
            f = self.run_font(run, scale)
            space = f.getlength(" ")
            sp = 0.0 if run.glue else space
            if run.fill:
                dot = f.getlength(".")
                gap = sp if rows[-1] else 0.0
                n = min(run.fill, int((width - x - gap) // dot))
                if n >= 4:
                    rows[-1].append((x + gap, "." * n, run))
                    x += gap + n * dot
                continue
            for i, word in enumerate(run.text.split()):
                w = f.getlength(word)
                sp = space if i else sp
                if i == 0 and run.tab is not None and rows[-1]:
                    target = run.tab * width
                    nx = target if x + sp < target else x + sp
                elif rows[-1] and word[0] in ",.;:)":
                    nx = x  # punctuation sticks to the previous word
                else:
                    nx = x + sp if rows[-1] else x
                if nx + w > width and rows[-1]:
                    rows.append([])
                    nx = hang
                if under_value and k == 1 and i == 0 and len(rows) == 1:
                    hang = nx if nx < 0.6 * width else 0.0
                rows[-1].append((nx, word, run))
                x = nx + w
        for row in rows:
            self._draw_row(row, align, scale, x0, width)

    def _draw_row(self, row, align: str, scale: float, x0: int, width: int) -> None:
        pitch = self.px * scale * self.style.line_gap
        self.ensure(pitch)
        if not row:
            self.y += pitch
            return
        end = row[-1][0] + self.run_font(row[-1][2], scale).getlength(row[-1][1])
        shift = {"left": 0.0, "center": (width - end) / 2, "right": width - end}[align]
        base = self.y + self.px * scale * 1.05
        if self.style.hand or self.style.leaders == "under":
            # the blank's dotted lines under the values (typed over them, or written by hand)
            self._blank_leaders(row, x0 + shift, base, scale, x0 + width)
        for x, word, run in row:
            f = self.run_font(run, scale)
            pos = (x0 + shift + x, base)
            if run.hand and self.style.hand:
                box = self.hand_text(pos, word, f, self._hand_rng)
            else:
                self.draw.text(pos, word, font=f, fill=0, anchor="ls")
                box = self.draw.textbbox(pos, word, font=f, anchor="ls")
            if run.field:
                self._box(run.field, box)
        text = ""
        prev_run = None
        for _, word, run in row:
            glued = text and (word[0] in ",.;:)" and not run.fill
                              or (run.glue and run is not prev_run))
            prev_run = run
            text += word if glued or not text else " " + word
        self.lines[-1].append(text)
        self.y += pitch

    def _blank_leaders(self, row, x0: float, base: float, scale: float, right: float) -> None:
        """The blank form's dotted lines under each handwritten stretch of a row: from the
        printed label before it to the next printed word (or the margin)."""
        f = self.font(False, False, scale)
        dot = f.getlength(".")
        i = 0
        while i < len(row):
            if not row[i][2].hand:
                i += 1
                continue
            j = i
            while j < len(row) and row[j][2].hand:
                j += 1
            start = x0 + row[i][0] - dot
            if i > 0:
                prev = row[i - 1]
                start = x0 + prev[0] + self.run_font(prev[2], scale).getlength(prev[1]) + dot
            stop = x0 + row[j][0] - dot if j < len(row) else right
            n = int((stop - start) // dot)
            if n >= 3:
                self.draw.text((start, base), "." * n, font=f, fill=0, anchor="ls")
            i = j

    def boxed(self, label: str, digits: str, field: str | None = None) -> None:
        """'Số định danh cá nhân: [0][0][1]...': one digit per printed cell, as on CT01/CC01."""
        f = self.font()
        pitch = self.px * self.style.line_gap
        self.ensure(pitch * 1.2)
        base = self.y + self.px * 1.05
        self.draw.text((self.left, base), label, font=f, fill=0, anchor="ls")
        x = self.left + f.getlength(label + " ")
        cw, ch = round(self.px * 1.15), round(self.px * 1.3)
        top = round(base - self.px * 1.0)
        hf = load_font(self.style.hand, round(self.px * 1.1), False, False) if self.style.hand \
            else None
        for i, d in enumerate(digits):
            x0 = round(x + i * cw)
            self.draw.rectangle([x0, top, x0 + cw, top + ch], outline=0, width=2)
            if hf is not None:  # one handwritten digit per printed cell
                self.hand_text((x0 + cw / 2, base - self.px * 0.08), d, hf, self._hand_rng,
                               anchor="ms")
            else:
                self.draw.text((x0 + cw / 2, base), d, font=f, fill=0, anchor="ms")
        if field:
            self._box(field, (x, top, x + len(digits) * cw, top + ch))
        self.lines[-1].append(f"{label} {digits}")
        self.y += pitch * 1.15

    def text(self, s: str, bold: bool = False, italic: bool = False, **kw) -> None:
        self.line([Run(s, bold, italic)], **kw)

    def center(self, s: str, bold: bool = False, italic: bool = False, scale: float = 1.0):
        self.line([Run(s, bold, italic)], align="center", scale=scale)

    def columns(
        self,
        left: list[Run | list[Run] | None],
        right: list[Run | list[Run] | None],
        split: float = 0.45,
        scale: float = 1.0,
    ) -> None:
        """Two centered columns (header blocks, signature blocks), drawn row by row."""
        mid = self.left + round((self.right - self.left) * split)
        for lr, rr in zip(
            left + [None] * (len(right) - len(left)),
            right + [None] * (len(left) - len(right)),
            strict=True,
        ):
            y = self.y
            texts = []
            ys = []
            for run, a, b in ((lr, self.left, mid), (rr, mid, self.right)):
                self.y = y
                if isinstance(run, list) or (run is not None and run.text):
                    n = len(self.lines[-1])
                    runs = run if isinstance(run, list) else [run]
                    self.line(runs, align="center", x0=a, x1=b, scale=scale)
                    texts += self.lines[-1][n:]
                    del self.lines[-1][n:]
                else:
                    self.y += self.px * self.style.line_gap * scale
                ys.append(self.y)
            if texts:
                self.lines[-1].append(" ".join(texts))
            self.y = max(ys)

    def rule(self, x0: float, x1: float, dy: float = 0.15) -> None:
        """A short line under the previous text line (the motto underline)."""
        y = self.y - self.px * self.style.line_gap + self.px * (1.05 + dy)
        self.draw.line([(x0, y), (x1, y)], fill=0, width=max(2, round(self.dpi / 150)))

    def motto(self, x0: int | None = None, x1: int | None = None) -> None:
        dash = self.style.motto_dash
        x0 = self.left if x0 is None else x0
        x1 = self.right if x1 is None else x1
        self.line([Run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)], "center", x0=x0, x1=x1)
        s = f"Độc lập {dash} Tự do {dash} Hạnh phúc"
        self.line([Run(s, bold=True)], "center", x0=x0, x1=x1)
        w = self.font(True).getlength(s)
        mid = (x0 + x1) / 2
        self.rule(mid - w / 2, mid + w / 2)

    def paste(self, img: Image.Image, x: int, y: int | None = None) -> None:
        """Paste an image; when y is None it takes the next lines' room."""
        if y is None:
            self.ensure(img.height)
            y = round(self.y)
            self.y += img.height
        self.pages[-1].paste(img.convert("L"), (x, y))

    def signature(
        self,
        rng: random.Random,
        date_line: str | list[Run] | None,
        role: str,
        note: str | None,
        name: str,
        left: tuple[str, str | None, str | None] | None = None,
    ) -> None:
        """Signature block in the right column (and optionally a left one), with a scrawl."""
        pitch = self.px * self.style.line_gap
        self.ensure(pitch * 6.5)
        self.space(0.5)
        if isinstance(date_line, str):
            date_line = [Run(date_line, italic=True)]
        if date_line:
            self.columns([None], [date_line], split=0.4)
        lrows: list[Run | None] = []
        if left:
            lrows = [Run(left[0], bold=True), Run(left[1] or "", italic=True)]
        self.columns(lrows, [Run(role, bold=True), Run(note or "", italic=True)], split=0.4)
        y = self.y
        # Seals are pressed over the left part of the signer's signature and name.
        self.seal = (self.page_no, round(self.left + (self.right - self.left) * 0.6), round(y))
        for cx, who in (
            (self.left + (self.right - self.left) * 0.7, name),
            (self.left + (self.right - self.left) * 0.2, left[2] if left else None),
        ):
            if who:
                draw = ImageDraw.Draw(self.ink[-1]) if self.ink else self.draw
                scrawl(draw, rng, cx, y + pitch * 1.4, pitch * 2.2,
                       ink=self.style.ink if self.ink else None)
        self.y = y + pitch * 2.6
        self.columns(
            [Run(left[2] or "", bold=True)] if left else [],
            [Run(name, bold=True)],
            split=0.4,
        )


def scrawl(draw: ImageDraw.ImageDraw, rng: random.Random, cx: float, cy: float, w: float,
           ink: tuple[int, int, int] | None = None):
    """A handwritten-looking signature: a few connected loops with a trailing stroke."""
    colour = ink or 40
    pts = []
    n = rng.randint(24, 40)
    amp = w * rng.uniform(0.12, 0.22)
    for i in range(n):
        t = i / (n - 1)
        x = cx - w / 2 + w * t + math.sin(t * rng.uniform(8, 16)) * w * 0.05
        y = cy + math.sin(t * rng.uniform(10, 20) + rng.random()) * amp * (1 - 0.5 * t)
        pts.append((x, y))
    draw.line(pts, fill=colour, width=4, joint="curve")
    draw.line([(cx - w * 0.45, cy + amp * 1.2), (cx + w * 0.4, cy + amp * 0.6)], fill=colour,
              width=3)
