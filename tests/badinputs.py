"""The bad-input corpus, made on demand: every file here must get a result or a clear
per-file error, and never stop the batch."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_page(text: str, size=(1240, 400), font_size=40) -> Image.Image:
    im = Image.new("L", size, 255)
    ImageDraw.Draw(im).text((40, 40), text, fill=0, font=ImageFont.truetype(FONT, font_size))
    return im


def png_bomb(path: Path, side: int = 40000) -> None:
    """A valid PNG header announcing side x side pixels, with a tiny compressed body."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    row = b"\x00" + b"\xff" * (side // 8)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body)
                     + chunk(b"IEND", b""))


def scanned_pdf(path: Path, text: str = "Giấy tờ số hóa - trang một") -> None:
    im = text_page(text)
    im.save(path, "PDF", resolution=150)


def encrypted_pdf(path: Path, source: Path) -> None:
    with pikepdf.open(source) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user="secret", owner="owner"))


def javascript_pdf(path: Path, source: Path) -> None:
    with pikepdf.open(source) as pdf:
        js = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.Root.OpenAction = pdf.make_indirect(js)
        pdf.save(path)


def multipage_tiff(path: Path, pages: int) -> None:
    frames = [text_page(f"Trang {n} - tiếng Việt", size=(900, 200), font_size=36).convert("1")
              for n in range(1, pages + 1)]
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:],
                   compression="group4", dpi=(300, 300))


def make_corpus(folder: Path) -> dict[str, Path]:
    """The named bad (and a few good) inputs, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def add(name: str) -> Path:
        files[name] = folder / name
        return files[name]

    add("empty.pdf").write_bytes(b"")
    good = add("good.pdf")
    scanned_pdf(good)
    data = good.read_bytes()
    add("truncated.pdf").write_bytes(data[: len(data) // 2])
    encrypted_pdf(add("encrypted.pdf"), good)
    javascript_pdf(add("javascript.pdf"), good)
    png_bomb(add("bomb.png"))
    Image.fromarray(np.zeros((1, 1), np.uint8)).save(add("tiny.png"))
    add("notes.pdf").write_text("This is a text file, not a PDF.\n")
    return files
