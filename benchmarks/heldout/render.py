"""Draw a held-out Form on an A4 page: printed labels, values typed or written by hand.

Layouts are this renderer's own (margins, spacing, column splits, dotted leaders or clean typed
blanks, digit boxes, checkboxes); handwriting is a handwriting face drawn word by word with its
own size, baseline drift, shear and ink, on and across the dotted lines.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .fonts import Face, handwriting_faces, printed_faces
from .layout import QR, Card, Check, Form, Line, Para, Signs, T, V

MM_PER_INCH = 25.4
BLACK = (20, 20, 22)
# Handwriting faces differ in how readable they are; the script-like ones are drawn less often.
HAND_WEIGHT = {"charm": 0.5, "comforter": 0.4}
THIN_FACES = {"grape-nuts", "comforter", "charm"}


@lru_cache(maxsize=256)
def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, max(6, size))


@lru_cache(maxsize=64)
def cap_height(path: str) -> float:
    """Height of a capital H as a fraction of the font size (faces differ a lot)."""
    _, top, _, bottom = font(path, 100).getbbox("H", anchor="ls")
    return max(0.3, (bottom - top) / 100)


@dataclass
class Style:
    """Everything that varies between documents, drawn once per document from its seed."""
    dpi: int
    hand: bool
    label: Face
    typed: Face
    hand_face: Face | None
    ink: tuple[int, int, int]
    label_pt: float
    spacing: float
    margins_mm: tuple[float, float, float]
    dots: bool
    hand_scale: float
    shear: float
    slope_deg: float
    pen: int
    typed_receiver: bool = False  # on a hand-filled form, the addressee pre-printed
    ellipsis: bool = False  # leaders of '…' instead of '.'
    word_fill: bool = False  # typed values replace the leader (else printed over it)

    @property
    def px(self) -> int:
        return round(self.label_pt * self.dpi / 72)

    def mm(self, mm: float) -> int:
        return round(mm * self.dpi / MM_PER_INCH)


def pick_style(rng: random.Random, hand: bool) -> Style:
    printed = printed_faces()
    label = rng.choice([f for f in printed if f.name != "FreeMono"])
    typed = label if rng.random() < 0.5 else rng.choice(printed)
    hands = handwriting_faces()
    hand_face = rng.choices(hands, [HAND_WEIGHT.get(f.name, 1.0) for f in hands])[0] \
        if hand else None
    ink = rng.choice([(28, 48, 160), (20, 35, 120), (40, 60, 190)]) if rng.random() < 0.7 \
        else (30, 30, 36)
    return Style(
        dpi=rng.choice([200, 240, 300, 300]), hand=hand, label=label, typed=typed,
        hand_face=hand_face, ink=ink, label_pt=rng.uniform(11.0, 13.0),
        spacing=rng.uniform(1.55, 1.95),
        margins_mm=(rng.uniform(18, 28), rng.uniform(12, 20), rng.uniform(12, 22)),
        dots=hand or rng.random() < 0.5, hand_scale=rng.uniform(1.05, 1.35),
        shear=rng.uniform(-0.05, 0.28), slope_deg=rng.uniform(-1.6, 1.6),
        pen=rng.choice([0, 0, 1]), typed_receiver=hand and rng.random() < 0.25,
        ellipsis=rng.random() < 0.4, word_fill=rng.random() < 0.6)


@dataclass
class Page:
    style: Style
    rng: random.Random
    image: Image.Image = field(init=False)
    draw: ImageDraw.ImageDraw = field(init=False)
    y: float = field(init=False)
    handwritten: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.style
        self.image = Image.new("RGB", (s.mm(210), s.mm(297)), (255, 255, 255))
        self.draw = ImageDraw.Draw(self.image)
        self.left = s.mm(s.margins_mm[0])
        self.right = self.image.width - s.mm(s.margins_mm[1])
        self.y = s.mm(s.margins_mm[2])

    # ---------------------------------------------------------------- fonts and measures
    def label_font(self, style: str = "", size: float = 1.0) -> ImageFont.FreeTypeFont:
        s = self.style
        path = s.label.bold if "b" in style and s.label.bold else s.label.path
        scale = size * (0.85 if "s" in style else 1.0)
        return font(path, round(s.px * scale))

    def typed_font(self) -> ImageFont.FreeTypeFont:
        return font(self.style.typed.path, self.style.px)

    def hand_px(self) -> int:
        """Handwriting size: capitals `hand_scale` times as tall as the printed labels'."""
        s = self.style
        ratio = cap_height(s.label.path) / cap_height(s.hand_face.path)
        return round(s.px * s.hand_scale * ratio)

    def value_width(self, text: str, hand: bool) -> float:
        if hand:
            return font(self.style.hand_face.path, self.hand_px()).getlength(text) * 1.08
        return self.typed_font().getlength(text)

    # ---------------------------------------------------------------- drawing primitives
    def dots(self, x0: float, x1: float, baseline: float) -> None:
        """The blank's leader as printed forms have it: a run of the label font's full stops
        (or of the ellipsis character, as Word templates have)."""
        f = self.label_font()
        leader = "…" if self.style.ellipsis else "."
        step = f.getlength(leader)
        n = int((x1 - x0) // step)
        if n > 0:
            self.draw.text((x0, baseline), leader * n, font=f, fill=(60, 60, 60), anchor="ls")

    def typed(self, x: float, baseline: float, text: str) -> float:
        f = self.typed_font()
        self.draw.text((x, baseline), text, font=f, fill=BLACK, anchor="ls")
        return f.getlength(text)

    def written(self, x: float, baseline: float, text: str, px: int | None = None) -> float:
        """Write `text` by hand starting at (x, baseline); returns the width used."""
        s, rng = self.style, self.rng
        px = px or self.hand_px()
        slope = math.tan(math.radians(s.slope_deg + rng.uniform(-0.8, 0.8)))
        # On the dotted line, above it or through it.
        base = baseline + rng.uniform(-0.22, 0.12) * px
        start = x
        for word in text.split(" "):
            if not word:
                x += px * 0.3
                continue
            size = round(px * rng.uniform(0.93, 1.07))
            f = font(s.hand_face.path, size)
            x0, y0, x1, y1 = f.getbbox(word, anchor="ls")
            pad = size // 3
            w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
            mask = Image.new("L", (w, h), 0)
            ImageDraw.Draw(mask).text((pad - x0, pad - y0), word, font=f, fill=255, anchor="ls")
            shear = s.shear + rng.uniform(-0.06, 0.06)
            mask = mask.transform(mask.size, Image.AFFINE, (1, shear, -shear * h * 0.6, 0, 1, 0),
                                  resample=Image.BICUBIC)
            # Ballpoint strokes are ~0.3-0.5 mm wide whatever the face draws.
            passes = s.pen + (1 if s.hand_face.name in THIN_FACES else 0)
            if passes and s.dpi >= 240:
                mask = mask.filter(ImageFilter.MaxFilter(2 * passes + 1))
            elif passes:
                mask = mask.filter(ImageFilter.MaxFilter(3))
            k = rng.uniform(0.8, 1.0)
            mask = mask.filter(ImageFilter.GaussianBlur(0.6)).point([int(v * k)
                                                                     for v in range(256)])
            ink = tuple(max(0, min(255, c + rng.randint(-12, 12))) for c in s.ink)
            dy = (x - start) * slope + rng.uniform(-0.05, 0.05) * px
            self.image.paste(Image.new("RGB", mask.size, ink),
                             (round(x - pad + x0), round(base + dy - pad + y0)), mask)
            x += (x1 - x0) + f.getlength(" ") * rng.uniform(0.9, 1.5)
        return x - start

    def scribble(self, cx: float, cy: float, width: float, height: float) -> None:
        rng = self.rng
        ink = self.style.ink if self.style.hand or rng.random() < 0.8 else BLACK
        points = []
        x = cx - width / 2
        for _ in range(rng.randint(9, 16)):
            points.append((x, cy + rng.uniform(-height / 2, height / 2)))
            x += width / 12 * rng.uniform(0.6, 1.5)
        smooth = []
        for (xa, ya), (xb, yb) in zip(points, points[1:], strict=False):
            for t in range(8):
                u = t / 8
                smooth.append((xa + (xb - xa) * u,
                               ya + (yb - ya) * (3 * u * u - 2 * u * u * u)))
        self.draw.line(smooth, fill=ink, width=max(2, round(self.style.dpi / 110)), joint="curve")

    # ---------------------------------------------------------------- blocks
    def line_height(self, size: float = 1.0) -> float:
        return self.style.px * self.style.spacing * size

    def newline(self, lh: float) -> None:
        self.y += lh

    def render_line(self, line: Line) -> None:
        lh = self.line_height(line.size)
        self.y += line.gap * lh
        if not line.pieces:
            return
        width = self.measure(line)
        if line.align == "center":
            x = max(self.left, (self.left + self.right - width) / 2)
        elif line.align == "right":
            x = max(self.left, self.right - width)
        else:
            x = self.left
        baseline = self.y + lh * 0.72
        last = len(line.pieces) - 1
        for i, piece in enumerate(line.pieces):
            if isinstance(piece, T):
                x, baseline = self.flow_text(piece.text, piece.style + line.style, line.size, x,
                                             baseline, lh)
            elif isinstance(piece, V):
                x, baseline = self.slot(piece, x, baseline, lh, i == last)
            elif isinstance(piece, Check):
                x = self.checks(piece, x, baseline)
        self.y = baseline + lh * 0.28

    def measure(self, line: Line) -> float:
        total = 0.0
        for piece in line.pieces:
            if isinstance(piece, T):
                total += self.label_font(piece.style + line.style, line.size).getlength(
                    piece.text + " ")
            elif isinstance(piece, V):
                total += max(piece.min_w * (self.right - self.left),
                             self.value_width(piece.text, self.style.hand) + self.style.px)
        return total

    def flow_text(self, text: str, style: str, size: float, x: float, baseline: float,
                  lh: float) -> tuple[float, float]:
        f = self.label_font(style, size)
        space = f.getlength(" ")
        for word in text.split():
            w = f.getlength(word)
            if x + w > self.right and x > self.left:
                x, baseline = self.left, baseline + lh
            self.draw.text((x, baseline), word, font=f, fill=BLACK, anchor="ls")
            x += w + space
        return x, baseline

    def is_hand(self, piece: V) -> bool:
        return self.style.hand and not (piece.field == "receiver" and self.style.typed_receiver)

    def slot(self, piece: V, x: float, baseline: float, lh: float,
             last: bool) -> tuple[float, float]:
        s = self.style
        hand = self.is_hand(piece)
        if piece.field and piece.text:
            self.handwritten[piece.field] = self.handwritten.get(piece.field, False) or hand
        if piece.boxes:
            return self.boxes(piece, x, baseline, lh, hand)
        span = self.right - self.left
        need = self.value_width(piece.text, hand) + s.px * 0.8
        width = max(piece.min_w * span, need)
        if not last and x + min(width, span) > self.right:
            x, baseline = self.left, baseline + lh
        words = piece.text.split(" ") if piece.text else []
        while True:
            room = self.right - x if last else min(width, self.right - x)
            # The words that fit on this line; the rest goes on a continuation line.
            chunk: list[str] = []
            while words and self.value_width(" ".join(chunk + words[:1]), hand) \
                    + s.px * 0.4 <= room:
                chunk.append(words.pop(0))
            if not chunk and words and x <= self.left + 1:
                chunk.append(words.pop(0))  # a word longer than the line: write it anyway
            text = " ".join(chunk)
            gap = s.px * (0.4 if s.dots else 0.25)
            if s.dots and not hand and s.word_fill and text:
                # Typed into a Word template: the text replaces the leader's first dots.
                used = self.typed(x + gap, baseline, text)
                self.dots(x + gap + used + s.px * 0.2, x + room, baseline + 1)
            else:
                if s.dots:
                    self.dots(x + s.px * 0.15, x + room, baseline + 1)
                if text and hand:
                    self.written(x + gap, baseline, text)
                elif text:
                    self.typed(x + gap, baseline - round(s.px * 0.08), text)
            x += room + s.px * 0.25
            if not words:
                break
            x, baseline = self.left, baseline + lh
            width = self.right - self.left
        if piece.hint:
            x, baseline = self.flow_text(piece.hint, "is", 1.0, x, baseline, lh)
        return x, baseline

    def boxes(self, piece: V, x: float, baseline: float, lh: float,
              hand: bool) -> tuple[float, float]:
        s = self.style
        side = round(s.px * 1.25)
        n = max(piece.boxes, len(piece.text))
        if x + n * side > self.right:
            x, baseline = self.left, baseline + lh
        top = baseline - side + round(s.px * 0.25)
        for i in range(n):
            x0 = x + i * side
            self.draw.rectangle([x0, top, x0 + side, top + side], outline=BLACK,
                                width=max(1, s.dpi // 150))
            if i < len(piece.text):
                ch = piece.text[i]
                if hand:
                    px = round(self.hand_px() * min(1.15, s.hand_scale) / s.hand_scale)
                    w = font(s.hand_face.path, px).getlength(ch)
                    self.written(x0 + (side - w) / 2 + self.rng.uniform(-2, 2),
                                 top + side * 0.82, ch, px)
                else:
                    f = self.typed_font()
                    self.draw.text((x0 + (side - f.getlength(ch)) / 2, top + side * 0.8), ch,
                                   font=f, fill=BLACK, anchor="ls")
        return x + n * side + s.px * 0.6, baseline

    def checks(self, piece: Check, x: float, baseline: float) -> float:
        s = self.style
        side = round(s.px * 0.85)
        f = self.label_font()
        hand = s.hand
        if piece.field:
            self.handwritten[piece.field] = hand
        for i, option in enumerate(piece.options):
            top = baseline - side
            self.draw.rectangle([x, top, x + side, top + side], outline=BLACK,
                                width=max(1, s.dpi // 150))
            if i == piece.chosen:
                if hand:
                    j = self.rng.uniform
                    pts = [(x + side * j(0.1, 0.25), top + side * j(0.45, 0.6)),
                           (x + side * j(0.35, 0.5), top + side * j(0.85, 1.0)),
                           (x + side * j(1.0, 1.3), top - side * j(0.1, 0.4))]
                    self.draw.line(pts, fill=s.ink, width=max(2, round(side / 7)), joint="curve")
                else:
                    w = max(2, side // 8)
                    self.draw.line([(x + 3, top + 3), (x + side - 3, top + side - 3)], BLACK, w)
                    self.draw.line([(x + 3, top + side - 3), (x + side - 3, top + 3)], BLACK, w)
            x += side + s.px * 0.3
            self.draw.text((x, baseline), option, font=f, fill=BLACK, anchor="ls")
            x += f.getlength(option) + s.px * 1.2
        return x

    def para(self, block: Para) -> None:
        lh = self.line_height(block.size)
        self.y += block.gap * lh
        baseline = self.y + lh * 0.72
        _, baseline = self.flow_text(block.text, block.style, block.size, self.left, baseline,
                                     lh * 0.85)
        self.y = baseline + lh * 0.28

    def signs(self, block: Signs) -> None:
        s = self.style
        lh = self.line_height()
        self.y += block.gap * lh
        n = len(block.blocks)
        centers = [self.left + (self.right - self.left) * c
                   for c in ([0.72] if n == 1 else [0.25, 0.75])]
        top = self.y
        for sign, cx in zip(block.blocks, centers, strict=True):
            y = top + lh * 0.72
            for text, style in ((sign.title, "b"), (sign.hint, "is")):
                f = self.label_font(style)
                self.draw.text((cx - f.getlength(text) / 2, y), text, font=f, fill=BLACK,
                               anchor="ls")
                y += lh * 0.8
            self.scribble(cx, y + lh * 0.9, s.px * 7, lh * 1.2)
            y += lh * 2.6
            if sign.name:
                if s.hand or self.rng.random() < 0.4:
                    w = self.value_width(sign.name, True) if s.hand_face else 0
                    if s.hand_face:
                        self.written(cx - w / 2, y, sign.name)
                else:
                    f = self.label_font("b")
                    self.draw.text((cx - f.getlength(sign.name) / 2, y), sign.name, font=f,
                                   fill=BLACK, anchor="ls")
        self.y = top + lh * 4.8

    def qr(self, block: QR) -> None:
        import qrcode

        code = qrcode.QRCode(border=2, box_size=max(3, self.style.dpi // 60))
        code.add_data(block.data)
        img = code.make_image(fill_color="black", back_color="white").convert("RGB")
        side = self.style.mm(24)
        img = img.resize((side, side), Image.NEAREST)
        self.image.paste(img, (self.right - side, self.style.mm(self.style.margins_mm[2])))


def render_form(form: Form, seed: int, hand: bool) -> tuple[Image.Image, Style, dict]:
    """The page image, its style, and per field whether it was written by hand."""
    style = pick_style(random.Random(seed), hand)
    if form.blocks and isinstance(form.blocks[0], Card):
        from .card import render_card

        image = render_card(form.blocks[0], style, random.Random(seed + 1))
        return image, style, {k: False for k in form.truth}
    for _ in range(6):
        page = Page(style, random.Random(seed + 1))
        for block in form.blocks:
            if isinstance(block, Line):
                page.render_line(block)
            elif isinstance(block, Para):
                page.para(block)
            elif isinstance(block, Signs):
                page.signs(block)
            elif isinstance(block, QR):
                page.qr(block)
        if page.y <= page.image.height - style.mm(10):
            break
        # Too long for one page: tighten, as a form designer would.
        style = replace(style, spacing=max(1.25, style.spacing * 0.9),
                        label_pt=max(9.5, style.label_pt * 0.95))
    flags = {k: page.handwritten.get(k, False) for k in form.truth}
    return page.image, style, flags
