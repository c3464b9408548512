"""A photocopy of a citizen identity card (front and back on one A4 page), in a card layout
of this renderer's own with the card's bilingual labels."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFilter

from .layout import Card
from .render import BLACK, Style, font


def render_card(card: Card, style: Style, rng: random.Random) -> Image.Image:
    page = Image.new("RGB", (style.mm(210), style.mm(297)), (255, 255, 255))
    scale = rng.uniform(1.25, 1.6)  # counters enlarge card copies
    w, h = style.mm(85.6 * scale), style.mm(54 * scale)
    x0 = (page.width - w) // 2 + rng.randint(-style.mm(15), style.mm(15))
    y0 = style.mm(rng.uniform(20, 35))
    page.paste(front(card.front, style, w, h, rng), (x0, y0))
    page.paste(back(card.back, style, w, h, rng), (x0, y0 + h + style.mm(rng.uniform(12, 30))))
    return page


def _tint(w: int, h: int, rng: random.Random) -> Image.Image:
    """The card's security background as a photocopier sees it: a light grey wash with lines."""
    base = rng.randint(222, 240)
    img = Image.new("RGB", (w, h), (base, base, base))
    d = ImageDraw.Draw(img)
    for i in range(0, w + h, max(6, w // 60)):
        d.line([(i, 0), (i - h, h)], fill=(base - 8,) * 3, width=1)
    d.rounded_rectangle([0, 0, w - 1, h - 1], radius=w // 25, outline=(90, 90, 90), width=2)
    return img


def front(info: dict, style: Style, w: int, h: int, rng: random.Random) -> Image.Image:
    img = _tint(w, h, rng)
    d = ImageDraw.Draw(img)
    bold = style.label.bold or style.label.path
    px = h / 22

    def text(x, y, s, size=1.0, b=False, fill=BLACK, center=False):
        f = font(bold if b else style.label.path, round(px * size))
        if center:
            x = x - f.getlength(s) / 2
        d.text((x, y), s, font=f, fill=fill, anchor="ls")
        return f.getlength(s)

    # Emblem and photo placeholders.
    r = h * 0.1
    d.ellipse([w * 0.05, h * 0.05, w * 0.05 + 2 * r, h * 0.05 + 2 * r], outline=(80, 80, 80),
              width=2, fill=(200, 200, 200))
    d.rectangle([w * 0.04, h * 0.34, w * 0.27, h * 0.78], fill=(175, 175, 175),
                outline=(90, 90, 90))
    d.ellipse([w * 0.1, h * 0.4, w * 0.21, h * 0.57], fill=(130, 130, 130))
    d.pieslice([w * 0.07, h * 0.56, w * 0.24, h * 0.9], 180, 360, fill=(130, 130, 130))
    cx = w * 0.6
    text(cx, h * 0.09, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 0.95, True, center=True)
    text(cx, h * 0.145, "Độc lập - Tự do - Hạnh phúc", 0.9, True, center=True)
    text(cx, h * 0.19, "SOCIALIST REPUBLIC OF VIET NAM", 0.75, center=True)
    text(cx, h * 0.235, "Independence - Freedom - Happiness", 0.75, center=True)
    text(cx, h * 0.3, "CĂN CƯỚC CÔNG DÂN", 1.35, True, fill=(60, 20, 20), center=True)
    text(cx, h * 0.35, "Citizen Identity Card", 0.85, center=True)
    x = w * 0.31
    lw = text(x, h * 0.42, "Số / No.: ", 1.0)
    text(x + lw, h * 0.42, info["number"], 1.45, True)
    text(x, h * 0.49, "Họ và tên / Full name:", 0.85)
    text(x, h * 0.55, info["name"], 1.2, True)
    lw = text(x, h * 0.615, "Ngày sinh / Date of birth: ", 0.85)
    text(x + lw, h * 0.615, info["birth"], 1.0, True)
    lw = text(x, h * 0.67, "Giới tính / Sex: ", 0.85)
    lw += text(x + lw, h * 0.67, info["gender"], 1.0, True)
    lw += text(x + lw, h * 0.67, "     Quốc tịch / Nationality: ", 0.85)
    text(x + lw, h * 0.67, info["nationality"], 1.0, True)
    text(x, h * 0.725, "Quê quán / Place of origin:", 0.85)
    text(x, h * 0.775, info["hometown"], 0.95, True)
    text(x, h * 0.83, "Nơi thường trú / Place of residence:", 0.85)
    words, lines, cur = info["residence"].split(), [], ""
    fb = font(bold, round(px * 0.95))
    for word in words:
        if cur and fb.getlength(cur + " " + word) > w * 0.66:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    lines.append(cur)
    for i, line in enumerate(lines[:2]):
        text(x, h * (0.88 + 0.055 * i), line, 0.95, True)
    text(w * 0.03, h * 0.86, "Có giá trị đến:", 0.7)
    text(w * 0.03, h * 0.9, "Date of expiry:", 0.7)
    text(w * 0.03, h * 0.95, info["expiry"], 0.8, True)
    return img.filter(ImageFilter.GaussianBlur(0.4))


def back(info: dict, style: Style, w: int, h: int, rng: random.Random) -> Image.Image:
    img = _tint(w, h, rng)
    d = ImageDraw.Draw(img)
    px = h / 22
    f = font(style.label.path, round(px * 0.85))
    fb = font(style.label.bold or style.label.path, round(px * 0.9))
    d.text((w * 0.04, h * 0.1), "Đặc điểm nhân dạng / Personal identification:", font=f,
           fill=BLACK, anchor="ls")
    d.text((w * 0.04, h * 0.17), info["features"], font=fb, fill=BLACK, anchor="ls")
    d.text((w * 0.04, h * 0.26), f"Ngày, tháng, năm / Date, month, year: {info['issued']}",
           font=f, fill=BLACK, anchor="ls")
    d.text((w * 0.04, h * 0.34), "CỤC TRƯỞNG CỤC CẢNH SÁT", font=fb, fill=BLACK, anchor="ls")
    d.text((w * 0.04, h * 0.4), "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", font=fb, fill=BLACK,
           anchor="ls")
    d.text((w * 0.04, h * 0.4 + px * 1.2), "DIRECTOR GENERAL OF THE POLICE DEPARTMENT", font=f,
           fill=BLACK, anchor="ls")
    for i, label in enumerate(["Ngón trỏ trái / Left index finger",
                               "Ngón trỏ phải / Right index finger"]):
        x = w * (0.56 + 0.22 * i)
        d.rectangle([x, h * 0.08, x + w * 0.18, h * 0.5], outline=(90, 90, 90), width=2)
        for k in range(8):
            d.arc([x + k * 3, h * 0.12 + k * 3, x + w * 0.18 - k * 3, h * 0.46 - k * 3], 0, 360,
                  fill=(120, 120, 120))
        d.text((x, h * 0.56), label.split(" / ")[0], font=f, fill=BLACK, anchor="ls")
    mono = font("/usr/share/fonts/truetype/freefont/FreeMono.ttf", round(px * 1.1))
    d.text((w * 0.05, h * 0.78), info["mrz"], font=mono, fill=BLACK, anchor="ls")
    d.text((w * 0.05, h * 0.88), "<" * 30, font=mono, fill=BLACK, anchor="ls")
    return img.filter(ImageFilter.GaussianBlur(0.4))
