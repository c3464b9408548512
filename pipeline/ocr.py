"""OCR: one Tesseract recognition per page, in process, through tesserocr.

The Tesseract API is opened once per process and reused across pages (loading the vie+eng
models costs more than a page). A single ``Recognize`` gives everything: the words with boxes
and confidences (TSV) and the page text. ``OMP_THREAD_LIMIT=1`` must be set before this module
is imported: pages run in parallel across processes, and OpenMP threads inside Tesseract only
slow that down (5x measured here).
"""

from __future__ import annotations

import os
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from pipeline import boxes
from pipeline.config import OcrSettings, process_setup
from pipeline.model import OcrPage, OcrWord, SohoaError, StageTimeout

process_setup()  # libtesseract reads the thread limit when it loads, even in a library user
import tesserocr  # noqa: E402

TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)


class OcrError(SohoaError):
    code = "ocr_failed"
    permanent = True


def find_tessdata(configured: str | None = None) -> str:
    for candidate in (configured, os.environ.get("TESSDATA_PREFIX"), *TESSDATA_CANDIDATES):
        if candidate and (Path(candidate) / "eng.traineddata").exists():
            return candidate
    raise OcrError("Tesseract language data not found (install tesseract-ocr-vie/-eng)",
                   code="tessdata_missing")


_engines: dict[tuple[str, str], tesserocr.PyTessBaseAPI] = {}

ENGLISH = "eng"  # read instead of the configured languages on a page that is English
# Layout block types whose lines are read one by one (rules and noise are skipped, as
# Tesseract's own page mode skips them). Lines of image blocks are read too, keeping only
# confident words: a stamp's or a logo's text (the Công báo's signature box) lands there.
TEXT_BLOCKS = {tesserocr.PT.FLOWING_TEXT, tesserocr.PT.HEADING_TEXT, tesserocr.PT.PULLOUT_TEXT,
               tesserocr.PT.TABLE, tesserocr.PT.CAPTION_TEXT}
IMAGE_BLOCKS = {tesserocr.PT.FLOWING_IMAGE, tesserocr.PT.HEADING_IMAGE,
                tesserocr.PT.PULLOUT_IMAGE}
IMAGE_WORD_CONFIDENCE = 75
IMAGE_TEXT_WORDS = 40  # an image region of a line or two may be text layout analysis misjudged
# A line kind: "text" (a line of a text block), "image" (an image region, read whole) or
# "found" (letter-sized ink that layout analysis left out, see _with_unfound_lines).
FOUND_LINE_PX = 24  # a line's height in the image where left-out rows are looked for
FOUND_MAX_LINES = 30  # more rows of ink left out than this is a picture, not lost lines
_VIETNAMESE_ONLY = set("ăâđêôơưĂÂĐÊÔƠƯ"
                       "àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
                       "ÀẢÃÁẠẰẲẴẮẶẦẨẪẤẬÈẺẼÉẸỀỂỄẾỆÌỈĨÍỊÒỎÕÓỌỒỔỖỐỘỜỞỠỚỢÙỦŨÚỤỪỬỮỨỰỲỶỸÝỴ")


# Confident words read before a page's language is decided (the lines read so far are read
# again when it is English), and the share of them with a Vietnamese letter under which the
# page is English. Read with vie, first 20 confident words: Vietnamese pages (Công báo, the
# court and forms pages, CCCD, the samples) 0.75-0.95 carry one, English pages (50 FUNSD,
# UNLV, Tesseract's) at most 0.15 (0.25 on a FUNSD scan read upside down, then turned); on
# the first 60 it was 0.80-0.97 against 0.13, at three times the English pages' re-reading.
DECISION_WORDS = 20
ENGLISH_SHARE = 0.4
RULE_LINE_CONFIDENCE = 45.0  # mean word confidence under which a line of marks is a rule


def _engine(settings: OcrSettings, languages: str | None = None,
            psm: int = tesserocr.PSM.AUTO) -> tesserocr.PyTessBaseAPI:
    """The process's Tesseract for these languages (loading a model costs more than a page),
    set to the page segmentation mode asked for."""
    tessdata = find_tessdata(settings.tessdata)
    languages = languages or settings.languages
    key = (tessdata, languages)
    api = _engines.get(key)
    if api is None:
        try:
            api = tesserocr.PyTessBaseAPI(path=tessdata, lang=languages, psm=psm)
        except RuntimeError as exc:
            raise OcrError(f"cannot start Tesseract with languages {languages!r}: "
                           f"{exc}", code="tesseract_init") from exc
        # Tesseract reads every doubtful line a second time inverted, for white-on-black
        # print; scans of forms and letters have none, and the same readings came 15-20%
        # faster without (Công báo and FUNSD pages, same words read).
        api.SetVariable("tessedit_do_invert", "0")
        # keep the LSTM's other choices per character (``OcrWord.rival``)
        api.SetVariable("lstm_choice_mode", "2")
        _engines[key] = api
    api.SetPageSegMode(psm)
    return api


def recognize(image: np.ndarray, *, number: int = 1, dpi: float = 300.0,
              settings: OcrSettings | None = None, max_lines: int | None = None) -> OcrPage:
    """Recognise one gray (or binary) uint8 page. Raises StageTimeout past the page limit.

    Tesseract's layout analysis finds the text lines; each line is then read on its own, cut
    from the page with the blank space above it. Read as part of the page, Tesseract cuts a
    line at its ascender height, which drops the tone mark stacked on a circumflex (khẩu read
    as khâu, để as đê): on the Công báo pages this lost 3-9% of the words. A page on which the
    configured languages find no Vietnamese letter is read again in English.

    ``max_lines`` reads only the first lines (in layout order): a cheap probe of how well
    another geometry of the page reads, before reading all of it."""
    settings = settings or OcrSettings()
    if image.ndim != 2 or image.dtype != np.uint8:
        raise OcrError("OCR expects an 8-bit gray image", code="bad_ocr_image")
    image = np.ascontiguousarray(image)
    h, w = image.shape
    deadline = time.perf_counter() + settings.page_timeout
    started = time.perf_counter()
    box_words: list[OcrWord] = []
    if max_lines is None:
        rows = boxes.find_box_rows(image, dpi)
        if rows:
            box_words = _read_box_rows(image, rows, dpi, settings, deadline, number)
            image = image.copy()
            for x0, y0, x1, y1 in (r.bbox for r in rows):
                image[max(0, y0):y1, max(0, x0):x1] = 255  # read already; walls are noise
    timings_boxes = time.perf_counter() - started
    api = _engine(settings)
    api.SetImageBytes(image.tobytes(), w, h, 1, w)
    api.SetSourceResolution(int(round(dpi)))
    lines, vertical = _layout_lines(api)
    timings = {"ocr.boxes": timings_boxes,
               "ocr.layout": time.perf_counter() - started - timings_boxes}
    language = settings.languages
    by_lines = bool(lines) and vertical <= 0.5
    if max_lines is not None:
        lines = lines[:max_lines]
    elif by_lines:
        lines = _with_unfound_lines(image, lines)
        timings["ocr.unfound"] = time.perf_counter() - started - sum(timings.values())
    if by_lines:
        words, language = _read_lines(image, lines, dpi, settings, deadline, number)
    else:  # vertical text (a page on its side) or no lines: Tesseract's own page mode
        words = _read_page(api, image, settings, deadline, number)
    api.Clear()
    if box_words:
        words = place_box_words(words, box_words)
    timings["ocr.recognize"] = time.perf_counter() - started
    return OcrPage(number=number, width=w, height=h, words=words, text=page_text(words),
                   dpi=dpi, vertical_share=vertical, timings=timings, language=language)


def _read_box_rows(image, rows, dpi, settings, deadline, number) -> list[OcrWord]:
    """One word per filled cell of each row of boxes (see pipeline.boxes)."""
    api = _engine(settings, psm=tesserocr.PSM.SINGLE_LINE)
    api.SetVariable("tessedit_char_whitelist", "0123456789")
    words: list[OcrWord] = []
    try:
        for index, row in enumerate(rows):
            filled = boxes.filled_cells(image, row)
            if not any(filled):
                continue
            strip, ranges = boxes.strip(image, row, filled)
            sh, sw = strip.shape
            api.SetImageBytes(strip.tobytes(), sw, sh, 1, sw)
            api.SetSourceResolution(int(round(dpi)))
            symbols = []
            if api.Recognize(timeout=_remaining_ms(deadline, number)):
                iterator = api.GetIterator()
                while iterator is not None and not iterator.Empty(tesserocr.RIL.SYMBOL):
                    text = iterator.GetUTF8Text(tesserocr.RIL.SYMBOL)
                    box = iterator.BoundingBox(tesserocr.RIL.SYMBOL)
                    if text and box is not None:
                        symbols.append((text.strip(), iterator.Confidence(tesserocr.RIL.SYMBOL),
                                        (box[0] + box[2]) / 2))
                    if not iterator.Next(tesserocr.RIL.SYMBOL):
                        break
            api.Clear()
            for k, reading in enumerate(boxes.assign(symbols, ranges, filled)):
                if reading is None:
                    continue
                words.append(OcrWord(text=reading[0], confidence=reading[1],
                                     bbox=filled[k] or boxes.cell_inside(row.cells[k]),
                                     block=-1 - index, paragraph=1, line=1, word=len(words) + 1))
    finally:
        api.SetVariable("tessedit_char_whitelist", "")
    return words


def place_box_words(words: list[OcrWord], box_words: list[OcrWord]) -> list[OcrWord]:
    """The digits of each row of boxes put into the text line beside it (the label's), right
    after that line's words; a row with no line beside it is a line of its own."""
    out = list(words)
    for row in sorted({w.block for w in box_words}, reverse=True):
        digits = [w for w in box_words if w.block == row]
        y0 = min(w.bbox[1] for w in digits)
        y1 = max(w.bbox[3] for w in digits)
        left = min(w.bbox[0] for w in digits)
        beside = [w for w in out if w.bbox[2] <= left and y0 <= (w.bbox[1] + w.bbox[3]) / 2 <= y1]
        if beside:
            key = max(beside, key=lambda w: w.bbox[2])
            line = (key.block, key.paragraph, key.line)
            at = max(i for i, w in enumerate(out) if (w.block, w.paragraph, w.line) == line) + 1
            placed = [replace(w, block=key.block, paragraph=key.paragraph, line=key.line,
                              word=key.word + k + 1) for k, w in enumerate(digits)]
        else:
            block = max((w.block for w in out), default=0) + 1
            at = len(out)
            placed = [replace(w, block=block) for w in digits]
        out[at:at] = placed
    return out


def _remaining_ms(deadline: float, number: int) -> int:
    left = deadline - time.perf_counter()
    if left <= 0:
        raise StageTimeout(f"Tesseract took over the time limit on page {number}",
                           code="ocr_timeout")
    return int(left * 1000)


def _read_page(api, image, settings, deadline, number) -> list[OcrWord]:
    h, w = image.shape
    if not api.Recognize(timeout=_remaining_ms(deadline, number)):
        api.Clear()
        if time.perf_counter() >= deadline - 0.05 * settings.page_timeout:
            raise StageTimeout(f"Tesseract took over {settings.page_timeout:.0f} s on page "
                               f"{number}", code="ocr_timeout")
        raise OcrError(f"Tesseract could not recognise page {number}")
    return read_words(api)


def _layout_lines(api) -> tuple[list[tuple], float]:
    """Text lines (block, paragraph, line, box, in an image block) of Tesseract's layout
    analysis, and the share of text blocks it found written top to bottom."""
    iterator = api.AnalyseLayout()
    lines = []
    blocks = vertical = 0
    block = paragraph = line = 0
    while iterator is not None:
        if iterator.IsAtBeginningOf(tesserocr.RIL.BLOCK):
            block += 1
            paragraph = line = 0
            try:
                _, direction, _, _ = iterator.Orientation()
                blocks += 1
                vertical += direction == tesserocr.WritingDirection.TOP_TO_BOTTOM
            except RuntimeError:
                pass
        if iterator.IsAtBeginningOf(tesserocr.RIL.PARA):
            paragraph += 1
            line = 0
        line += 1
        kind = iterator.BlockType()
        if kind in TEXT_BLOCKS:
            box = iterator.BoundingBox(tesserocr.RIL.TEXTLINE)
            if box is not None:
                lines.append((block, paragraph, line, box, "text"))
        elif kind in IMAGE_BLOCKS and not (lines and lines[-1][0] == block):
            box = iterator.BoundingBox(tesserocr.RIL.BLOCK)  # the region, read once
            if box is not None:
                lines.append((block, paragraph, line, box, "image"))
        if not iterator.Next(tesserocr.RIL.TEXTLINE):
            break
    return lines, (vertical / blocks if blocks else 0.0)


def _with_unfound_lines(image: np.ndarray, lines: list[tuple]) -> list[tuple]:
    """The layout's lines with the rows of letter-sized ink none of them covers, each put
    after the line above it. Layout analysis drops a short line: the last word of a wrapped
    value alone before its dot leaders (`Nội ........` under `…, quận Hoàn Kiếm, Hà`), and the
    value was read cut short, with a sure reading of every word it kept."""
    found = _unfound_rows(image, lines)
    if not found:
        return lines
    after: dict[int, list[tuple]] = {}  # index of the line above (-1: none) -> rows
    for box in found:
        centre = (box[1] + box[3]) / 2
        above = [k for k, ln in enumerate(lines) if ln[3][3] <= centre
                 and min(ln[3][2], box[2]) > max(ln[3][0], box[0]) - (box[2] - box[0])]
        after.setdefault(max(above, key=lambda k: lines[k][3][3]) if above else -1,
                         []).append(box)
    out = []
    for k in range(-1, len(lines)):
        if k >= 0:
            out.append(lines[k])
        block, paragraph = (lines[max(k, 0)][0], lines[max(k, 0)][1])
        for box in _reading_order(after.get(k, [])):
            out.append((block, paragraph, 0, box, "found"))
    numbered, count = [], {}
    for block, paragraph, _, box, kind in out:  # lines renumbered in reading order
        count[(block, paragraph)] = count.get((block, paragraph), 0) + 1
        numbered.append((block, paragraph, count[(block, paragraph)], box, kind))
    return numbered


def _reading_order(boxes: list[tuple]) -> list[tuple]:
    """Top to bottom; boxes side by side (half their height shared: a table's cells) left
    to right."""
    rows: list[list[tuple]] = []
    for box in sorted(boxes, key=lambda b: b[1] + b[3]):
        last = rows[-1][-1] if rows else None
        if last and min(last[3], box[3]) - max(last[1], box[1]) >= \
                0.5 * min(last[3] - last[1], box[3] - box[1]):
            rows[-1].append(box)
        else:
            rows.append([box])
    return [box for row in rows for box in sorted(row, key=lambda b: b[0])]


def _unfound_rows(image: np.ndarray, lines: list[tuple]) -> list[tuple[int, int, int, int]]:
    """Boxes of rows of at least two letter-sized marks outside every layout line (tone marks,
    dots, speckles and rules are smaller or longer than letters)."""
    heights = sorted(ln[3][3] - ln[3][1] for ln in lines if ln[4] == "text")
    if not heights:
        return []
    size = heights[len(heights) // 2]  # the page's print size
    # looked for at about 24 px a line (a quarter of the work on a 300-dpi page)
    scale = min(1.0, FOUND_LINE_PX / max(1, size))
    small = image if scale == 1.0 else cv2.resize(image, None, fx=scale, fy=scale,
                                                  interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    h = size * scale
    pad_y, pad_x = max(1, int(0.15 * h)), max(1, int(0.5 * h))
    for _, _, _, box, _ in lines:
        x0, y0, x1, y1 = (int(v * scale) for v in box)
        ink[max(0, y0 - pad_y):y1 + pad_y + 1, max(0, x0 - pad_x):x1 + pad_x + 1] = 0
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    letters = sorted((int(x), int(y), int(x + w), int(y + g)) for x, y, w, g, area in stats[1:]
                     if 0.3 * h <= g <= 1.5 * h and 0.08 * h <= w <= 6 * h
                     and area >= 0.1 * w * g)
    rows: list[list[int]] = []  # x0, y0, x1, y1, marks
    for x0, y0, x1, y1 in letters:
        centre = (y0 + y1) / 2
        row = next((r for r in rows if r[1] - 0.2 * h <= centre <= r[3] + 0.2 * h
                    and x0 - r[2] <= 2.5 * h), None)
        if row is None:
            rows.append([x0, y0, x1, y1, 1])
        else:
            row[:5] = [min(row[0], x0), min(row[1], y0), max(row[2], x1), max(row[3], y1),
                       row[4] + 1]
    rows = [r for r in rows if r[4] >= 2 and r[2] - r[0] >= 0.8 * h and r[3] - r[1] <= 2 * h]
    # the marks' box grown to a line's: dots below (ộ, ụ) and descenders are not letter-sized
    found = [(int(r[0] / scale), int(max(0, r[1] - 0.1 * h) / scale), int(r[2] / scale),
              int(min(ink.shape[0], r[3] + 0.3 * h) / scale)) for r in rows]
    return found if len(found) <= FOUND_MAX_LINES else []


def line_crop(image: np.ndarray, lines, index: int) -> tuple[np.ndarray, int, int]:
    """The line's image with the blank space above it (where stacked tone marks sit, up to
    the line above) and a white margin; and the offset of the crop in the page. Lines that
    lie inside this line's box (a drop capital's box spans the lines beside it) are blanked:
    they are read on their own."""
    h, w = image.shape
    x0, y0, x1, y1 = lines[index][3]
    height = y1 - y0
    top, bottom = max(0, y0 - int(0.6 * height)), min(h, y1 + int(0.15 * height))
    inside = []
    for k, (_, _, _, (a0, b0, a1, b1), _) in enumerate(lines):
        if k == index or a1 <= x0 or a0 >= x1:
            continue  # not above, below or inside this line
        if min(b1, y1) - max(b0, y0) >= 0.5 * (b1 - b0):
            inside.append((a0, b0, a1, b1))
        elif b1 <= y0 + 0.3 * height and b0 < y0:
            top = max(top, b1)
        elif b0 >= y1 - 0.3 * height and b1 > y1:
            bottom = min(bottom, b0)
    left, right = max(0, x0 - 2), min(w, x1 + 2)
    crop = image[top:bottom, left:right]
    if inside:
        crop = crop.copy()
        for a0, b0, a1, b1 in inside:
            crop[max(0, b0 - top):max(0, b1 - top), max(0, a0 - left):max(0, a1 - left)] = 255
    margin = max(4, int(0.2 * height))
    crop = cv2.copyMakeBorder(crop, margin, margin, margin, margin, cv2.BORDER_CONSTANT,
                              value=255)
    return crop, left - margin, top - margin


def _read_lines(image, lines, dpi, settings, deadline, number) -> tuple[list[OcrWord], str]:
    """The words of every line, and the language they were read in: the configured one,
    or English when the first words read (or the whole of a short page) hold no Vietnamese
    letter; then only the lines read so far are read again."""
    language = settings.languages
    decided = language == ENGLISH
    words: list[OcrWord] = []
    index = 0
    while index < len(lines):
        words += _read_line(image, lines, index, dpi, settings, language, deadline, number)
        index += 1
        if not decided and (_latin_words(words) >= DECISION_WORDS or index == len(lines)):
            decided = True
            if _looks_english(words):
                language, words, index = ENGLISH, [], 0
    return words, language


def _read_line(image, lines, index, dpi, settings, language, deadline,
               number) -> list[OcrWord]:
    block, paragraph, line, _, kind = lines[index]
    in_image = kind == "image"
    # An image block's "line" is the whole region (a stamp: several lines and a logo).
    api = _engine(settings, language,
                  tesserocr.PSM.SINGLE_BLOCK if in_image else tesserocr.PSM.SINGLE_LINE)
    crop, dx, dy = line_crop(image, lines, index)
    read = _read_crop(api, crop, dpi, deadline, number)
    if read == [] and not in_image:
        # Tesseract returns nothing for a line that is mostly dot leaders (`Nội .........`,
        # the end of a wrapped address): read without them, the word is read at 97
        bare = _without_leaders(crop)
        if bare is not None:
            read = _read_crop(api, bare, dpi, deadline, number)
    words = []
    for word in read or []:
        left, top, right, bottom = word.bbox
        words.append(replace(word, bbox=(left + dx, top + dy, right + dx, bottom + dy),
                             block=block, paragraph=paragraph,
                             line=line * 1000 + word.line if in_image else line))
    if _rule_read_as_text(words):
        return []
    if in_image and len(words) > IMAGE_TEXT_WORDS:
        # a picture of a page or a table taken whole (5,748 words on a scanned CC01 sheet):
        # its sure words only, before any re-reading (1,250 small runs read again had run
        # past the page's time limit)
        words = [w for w in words if w.confidence >= IMAGE_WORD_CONFIDENCE]
        return _reread_small(image, words, dpi, settings, language, deadline, number)
    words = _reread_small(image, words, dpi, settings, language, deadline, number)
    if kind != "text" and not _reads_as_text(words):
        # a stamp, a logo, a signature or a word left out: only what Tesseract is sure of
        words = [w for w in words if w.confidence >= IMAGE_WORD_CONFIDENCE]
    return words


def _read_crop(api, crop: np.ndarray, dpi, deadline, number) -> list[OcrWord] | None:
    """The words of one crop in the crop's coordinates; None when Tesseract gave up on it."""
    ch, cw = crop.shape
    api.SetImageBytes(np.ascontiguousarray(crop).tobytes(), cw, ch, 1, cw)
    api.SetSourceResolution(int(round(dpi)))
    if not api.Recognize(timeout=_remaining_ms(deadline, number)):
        api.Clear()
        _remaining_ms(deadline, number)  # raises when the page's time is up
        return None  # Tesseract gave up on this line only
    words = read_words(api)
    api.Clear()
    return words


def _without_leaders(crop: np.ndarray) -> np.ndarray | None:
    """The crop with its dot leaders blanked (runs of at least 4 dots, each under a third of
    the letters' height, side by side on one baseline); None when it has no leaders or no
    letters beside them. A lone dot below a vowel (ộ, ị) is no run."""
    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    marks = stats[1:]
    if not len(marks):
        return None
    letter = float(np.max(marks[:, 3]))
    dots = sorted((int(x), int(y), int(w), int(g)) for x, y, w, g, _ in marks
                  if g <= letter / 3 and w <= letter / 3)
    if len(dots) == len(marks):
        return None
    leaders, run = [], dots[:1]
    for dot in dots[1:]:
        last = run[-1]
        if dot[0] - (last[0] + last[2]) <= 1.2 * letter and \
                abs((dot[1] + dot[3] / 2) - (last[1] + last[3] / 2)) <= 0.3 * letter:
            run.append(dot)
        else:
            leaders += run if len(run) >= 4 else []
            run = [dot]
    leaders += run if len(run) >= 4 else []
    if not leaders:
        return None
    bare = crop.copy()
    for x, y, w, g in leaders:
        bare[y:y + g, x:x + w] = 255
    return bare


def _reads_as_text(words: list[OcrWord]) -> bool:
    """An "image" region that layout analysis misjudged: many of its words are words read
    surely, as on CT01's date line, whose 6-7 pt blanks made it an image (its "tháng năm
    sinh", "Giới tính:" at 89-97, the date and "Nữ" beside them at 53-57, which the stamp
    filter dropped)."""
    sure = sum(w.confidence >= IMAGE_WORD_CONFIDENCE and any(c.isalpha() for c in w.text)
               for w in words)
    return sure >= 3 and sure >= 0.4 * len(words)


SMALL_WORD = 0.8  # of the line's tall words' height: print much smaller than its line's
SMALL_WORD_CONFIDENCE = 50.0
SMALL_WORD_SCALE = 2.0


def _small_runs(words: list[OcrWord]) -> list[tuple[int, int]]:
    """[start, end) runs of neighbouring words much smaller than the line's and unsure: a form's
    6-7 pt label between 13 pt values (CT01's "3. Giới tính:"), which Tesseract, scaling the
    whole line to one height, reads as noise (`3oiøúm:`)."""
    if len(words) < 2:
        return []
    heights = sorted(w.bbox[3] - w.bbox[1] for w in words)
    tall = heights[int(0.8 * (len(heights) - 1))]  # the line's print size, even where small
    small = [(w.bbox[3] - w.bbox[1]) < SMALL_WORD * tall and any(c.isalnum() for c in w.text)
             for w in words]
    runs, start = [], None
    for k, flag in enumerate([*small, False]):
        if flag and start is None:
            start = k
        elif not flag and start is not None:
            if min(w.confidence for w in words[start:k]) < SMALL_WORD_CONFIDENCE:
                runs.append((start, k))
            start = None
    return runs


def _reread_small(image, words, dpi, settings, language, deadline, number) -> list[OcrWord]:
    """Runs of small unsure words read again on their own, enlarged; the new reading is kept
    when Tesseract is surer of it."""
    runs = _small_runs(words)
    if not runs:
        return words
    h, w = image.shape
    api = _engine(settings, language, tesserocr.PSM.SINGLE_LINE)
    out = list(words)
    for start, end in reversed(runs):
        run = words[start:end]
        x0, y0 = min(v.bbox[0] for v in run), min(v.bbox[1] for v in run)
        x1, y1 = max(v.bbox[2] for v in run), max(v.bbox[3] for v in run)
        pad = max(3, (y1 - y0) // 2)
        left, top = max(0, x0 - pad), max(0, y0 - pad)
        crop = image[top:min(h, y1 + pad), left:min(w, x1 + pad)]
        big = cv2.resize(crop, None, fx=SMALL_WORD_SCALE, fy=SMALL_WORD_SCALE,
                         interpolation=cv2.INTER_CUBIC)
        big = np.ascontiguousarray(cv2.copyMakeBorder(big, pad, pad, pad, pad,
                                                      cv2.BORDER_CONSTANT, value=255))
        bh, bw = big.shape
        api.SetImageBytes(big.tobytes(), bw, bh, 1, bw)
        api.SetSourceResolution(int(round(dpi * SMALL_WORD_SCALE)))
        if not api.Recognize(timeout=_remaining_ms(deadline, number)):
            api.Clear()
            continue
        again = read_words(api)
        api.Clear()
        if not again or sum(v.confidence for v in again) / len(again) \
                <= sum(v.confidence for v in run) / len(run):
            continue
        first = run[0]

        def back(v: float, origin: int, pad: int = pad) -> int:
            return int(round((v - pad) / SMALL_WORD_SCALE)) + origin

        out[start:end] = [replace(v, bbox=(back(v.bbox[0], left), back(v.bbox[1], top),
                                           back(v.bbox[2], left), back(v.bbox[3], top)),
                                  block=first.block, paragraph=first.paragraph,
                                  line=first.line, word=first.word + k)
                          for k, v in enumerate(again)]
    return out


def _rule_read_as_text(words: list[OcrWord]) -> bool:
    """A ruled line or a border that layout analysis took for text, read alone, comes back as
    a row of short, unsure marks, one of them stretched along the rule (`N7 7 7 77 Z7` across
    an ID-card copy, its `N7` 1900 px wide); page mode drops such lines as noise, so do we.
    Digits written one per box are short too, but none is stretched: they are kept."""
    if len(words) < 4:
        return False
    short = sum(1 for w in words if len(w.text.strip()) <= 2)
    mean = sum(w.confidence for w in words) / len(words)
    stretched = any((w.bbox[2] - w.bbox[0]) > 8 * max(1, w.bbox[3] - w.bbox[1])
                    * max(1, len(w.text.strip())) for w in words)
    return stretched and short >= 0.7 * len(words) and mean < RULE_LINE_CONFIDENCE


def _latin_words(words: list[OcrWord]) -> int:
    return len(_confident_latin(words))


def _confident_latin(words: list[OcrWord]) -> list[str]:
    """Words with a letter that Tesseract is fairly sure of (specks read as accented
    letters are not)."""
    return [w.text for w in words if w.confidence >= 60 and any(c.isalpha() for c in w.text)]


def _looks_english(words: list[OcrWord]) -> bool:
    """Hardly a Vietnamese letter in a page of Latin words: an English page (the letters an
    English page read with vie shows are noise read as accents; see ENGLISH_SHARE)."""
    latin = _confident_latin(words)
    if len(latin) < 10:
        return False
    marked = sum(any(c in _VIETNAMESE_ONLY for c in t) for t in latin)
    return marked < ENGLISH_SHARE * len(latin)


def vertical_share(api: tesserocr.PyTessBaseAPI) -> float:
    """Share of text blocks Tesseract's layout analysis read top-to-bottom: on a page we
    believed upright, vertical lines mean it lies on its side (free: no extra run)."""
    iterator = api.GetIterator()
    if iterator is None:
        return 0.0
    blocks = vertical = 0
    while True:
        try:
            _, direction, _, _ = iterator.Orientation()
        except RuntimeError:
            direction = None
        if direction is not None:
            blocks += 1
            vertical += direction == tesserocr.WritingDirection.TOP_TO_BOTTOM
        if not iterator.Next(tesserocr.RIL.BLOCK):
            break
    return vertical / blocks if blocks else 0.0


def read_words(api) -> list[OcrWord]:
    """The words of the last recognition, each with its strongest rival reading."""
    words = parse_tsv(api.GetTSVText(0))
    rivals = _rivals(api)
    return [replace(w, rival=rivals.get(w.bbox, 0.0)) for w in words]


def _rivals(api) -> dict[tuple[int, int, int, int], float]:
    """Per word box: the highest confidence of a character choice other than the one read."""
    out: dict[tuple[int, int, int, int], float] = {}
    iterator = api.GetIterator()
    symbol, word = tesserocr.RIL.SYMBOL, tesserocr.RIL.WORD
    box = None
    while iterator is not None and not iterator.Empty(symbol):
        if iterator.IsAtBeginningOf(word):
            box = iterator.BoundingBox(word)
            if box is not None:
                out.setdefault(tuple(box), 0.0)
        chosen = iterator.GetUTF8Text(symbol)
        best = max((c.Confidence() for c in iterator.GetChoiceIterator()
                    if c.GetUTF8Text() != chosen), default=0.0)
        if box is not None and best > out[tuple(box)]:
            out[tuple(box)] = round(float(best), 1)
        if not iterator.Next(symbol):
            break
    return out


def parse_tsv(tsv: str) -> list[OcrWord]:
    """Words (level 5 rows) of Tesseract's TSV output, text in NFC."""
    words: list[OcrWord] = []
    for row in tsv.splitlines():
        cols = row.split("\t", 11)
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = unicodedata.normalize("NFC", cols[11]).strip()
        if not text:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(OcrWord(
            text=text,
            bbox=(left, top, left + width, top + height),
            confidence=max(float(cols[10]), 0.0),
            block=int(cols[2]), paragraph=int(cols[3]), line=int(cols[4]), word=int(cols[5]),
        ))
    return words


def page_text(words: list[OcrWord]) -> str:
    """Words joined by spaces, lines by newlines, paragraphs by a blank line."""
    parts: list[str] = []
    previous: tuple[int, int, int] | None = None
    for word in words:
        line = (word.block, word.paragraph, word.line)
        if previous is None:
            pass
        elif line == previous:
            parts.append(" ")
        elif line[:2] == previous[:2]:
            parts.append("\n")
        else:
            parts.append("\n\n")
        parts.append(word.text)
        previous = line
    return "".join(parts)
