"""A scanned page image → text lines and table grids, with every piece read by OCR.

The page is brought to one working resolution, red ink (stamps) is made white by its colour,
and the skew is measured from the projection
profile (ruled tables and text lines give sharp rows only when level) and undone. Ruling lines
are what morphological opening with long thin kernels keeps; the regions they enclose are
the table cells, placed on the grid of their edges with their row and column spans, so a
table comes out as pdfplumber gives it for a text PDF (the text of a merged cell in its first
grid position, `None` in the others). Text outside the tables is cut into lines by the
horizontal projection. Each cell line and text line is one image for the recogniser
(`nlp.read.ocr`), all of a page in one call so the engine can batch them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import cv2
import numpy as np

from nlp.read.ocr import Reading, Recognizer

# One thread: the batch runs a worker process per file, each on its own core.
cv2.setNumThreads(1)

WORK_DPI = 200
# Margin around a prose line image, in line heights. The engine's rows are 48 pixels high, so
# a wider margin means smaller characters and a narrower, cheaper image; beyond about half a
# line height digits and Latin in dense lines get lost (docs/ocr.md).
PAD_Y, PAD_X = 0.45, 0.4
# A cell's short text (mostly a number) is read at a larger size: it costs little and digits
# need it more than prose does.
CELL_PAD_Y = 0.3
_A4_WIDTH_IN = 8.27
_MAX_SKEW = 6.0  # degrees searched either way
_INK_MAX = 0.25  # a page darker than this share of ink is a photo, not a scanned text page
_APART_MIN = 0.8  # confidence a short piece standing apart on a line needs to be kept


@dataclass
class ScanLine:
    """A text line outside tables, in points from the page's top-left corner."""

    text: str
    x0: float
    x1: float
    top: float
    confidence: float


@dataclass
class ScanTable:
    """A ruled table: rows of cell text as pdfplumber gives them, and the reading of each cell."""

    rows: list[list[str | None]]
    readings: list[list[Reading | None]]
    top: float


@dataclass
class ScanPage:
    lines: list[ScanLine] = field(default_factory=list)
    tables: list[ScanTable] = field(default_factory=list)
    skew: float = 0.0


def page_dpi(width_px: int, height_px: int) -> float:
    """The resolution of an image whose size is all that is known: an A4 page (portrait or landscape)."""
    return min(width_px, height_px) / _A4_WIDTH_IN


def ink_gray(image: np.ndarray) -> np.ndarray:
    """Grey page without the red ink of stamps (and of any red print), from a BGR(A) image.

    Black print is dark in every channel, also where a stamp covers it; red ink is bright only
    in the red channel. So the grey value is the red channel, and where a pixel is clearly red
    it is brightened by the stamp's own red level: a stamp on white paper becomes white, print
    under the stamp keeps its darkness."""
    if image.ndim == 2:
        return image
    blue, green, red = (image[:, :, i].astype(np.int16) for i in range(3))
    gray = np.maximum(np.maximum(blue, green), red)
    reddish = red - np.maximum(blue, green) > 40
    if reddish.sum() > 200:
        stamp = reddish & (green < 120)
        level = float(np.percentile(red[stamp], 75)) if stamp.sum() > 100 else 255.0
        if level > 120:
            boosted = np.clip(red[reddish] * (255.0 / level), 0, 255)
            gray[reddish] = np.maximum(gray[reddish], boosted.astype(np.int16))
    return gray.astype(np.uint8)


def to_working(gray: np.ndarray, dpi: float) -> np.ndarray:
    scale = WORK_DPI / dpi
    if abs(scale - 1) < 0.02:
        return gray
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interp)


def binarize(gray: np.ndarray, lighter: float = 0.0) -> np.ndarray:
    """Ink mask (255 = ink) by Otsu's threshold; the threshold is capped so a light stamp or a
    grey background does not become ink. No smoothing: it would erase hairline rules.
    `lighter` raises the threshold, for rules: a blurred hairline is only light grey, and
    noise makes no long straight runs."""
    thr, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    thr = min(thr, 170.0) + lighter
    return np.where(gray < thr, 255, 0).astype(np.uint8)


def _profile_score(binary_small: np.ndarray, angle: float) -> float:
    h, w = binary_small.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(binary_small, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def estimate_skew(binary: np.ndarray) -> float:
    """The rotation (degrees, counter-clockwise positive as OpenCV) that levels the page:
    1° steps over ±6° and 0.2° steps around the best on a quarter-size page, then 0.04°
    steps on a half-size page."""
    quarter = cv2.resize(binary, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    half = cv2.resize(binary, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    best = 0.0
    for image, step, reach in ((quarter, 1.0, _MAX_SKEW), (quarter, 0.2, 1.0), (half, 0.04, 0.2)):
        candidates = np.arange(best - reach, best + reach + 1e-9, step)
        best = float(max((_profile_score(image, a), a) for a in candidates)[1])
    return best


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 0.02:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


# ---------------------------------------------------------------- ruling lines and cells


def ruling_lines(binary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) masks of the table rules.

    Horizontal rules are the strokes longer than any character; vertical rules may be as short
    as one table row, shorter than a bold heading's strokes, so a short vertical stroke is a
    rule only when horizontal rules meet both of its ends — or one end, in line with another
    vertical rule (a table continued on the next page has no bottom rule) — and a long one in
    any case."""
    unit = WORK_DPI / 25.4  # pixels per mm
    bridged_h = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 1)))
    bridged_v = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 3)))
    # Longer than a run of seven digits or a word of bold print, whose bottoms can join into
    # one stroke once blurred; the rules of these tables run across several columns.
    horizontal = cv2.morphologyEx(
        bridged_h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(20 * unit), 1))
    )
    strokes = cv2.morphologyEx(
        bridged_v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(4 * unit)))
    )
    reach = int(1.5 * unit)
    long_stroke = 12 * unit
    near_rule = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (reach, 2 * reach + 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(strokes, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    half: list[int] = []  # strokes that meet a rule at one end only
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        top = near_rule[y : y + 2, x : x + w].any()
        bottom = near_rule[max(y + h - 2, 0) : y + h, x : x + w].any()
        keep[i] = (top and bottom) or h >= long_stroke
        if (top or bottom) and not keep[i]:
            half.append(i)
    # One end is enough in line with a rule kept: the dividers of a last row left open at a
    # page break. A character's stroke beside a cell's rule is not in line with any divider.
    columns = [stats[i, 0] + stats[i, 2] / 2 for i in np.flatnonzero(keep)]
    for i in half:
        centre = stats[i, 0] + stats[i, 2] / 2
        keep[i] = any(abs(centre - c) <= 4 for c in columns)
    vertical = np.where(keep[labels], 255, 0).astype(np.uint8)
    return horizontal, vertical


_CELL_MARGIN = 2


@dataclass
class _Cell:
    x0: int
    y0: int
    x1: int
    y1: int  # interior, exclusive ends
    row: int = 0
    col: int = 0


def _cluster(values: list[float], tol: float) -> list[float]:
    centres: list[list[float]] = []
    for v in sorted(values):
        if centres and v - centres[-1][-1] <= tol:
            centres[-1].append(v)
        else:
            centres.append([v])
    return [sum(c) / len(c) for c in centres]


def _nearest(centres: list[float], v: float) -> int:
    return int(np.argmin([abs(c - v) for c in centres]))


def table_cells(
    grid: np.ndarray, horizontal: np.ndarray, vertical: np.ndarray, box: tuple[int, int, int, int]
) -> tuple[list[_Cell], int, int]:
    """The cells inside one ruled region, placed on its grid: (cells, rows, columns)."""
    x, y, w, h = box
    region = grid[y : y + h, x : x + w].copy()
    # The frame closed all round: a table continued on the next page has no bottom rule, and
    # one continued from the previous page may have no top rule. Rules that stop short of
    # such an open edge are drawn on to it, or the cells beside them would run together.
    cv2.rectangle(region, (0, 0), (w - 1, h - 1), 255, 2)
    band = int(3 * WORK_DPI / 25.4)
    columns = vertical[y : y + h, x : x + w]
    rows = horizontal[y : y + h, x : x + w]
    region[:band, columns[:band].any(axis=0)] = 255
    region[h - band :, columns[h - band :].any(axis=0)] = 255
    region[rows[:, :band].any(axis=1), :band] = 255
    region[rows[:, w - band :].any(axis=1), w - band :] = 255
    free = cv2.bitwise_not(region)
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=4)
    cells: list[_Cell] = []
    min_side = int(2.0 * WORK_DPI / 25.4)
    for i in range(1, n):
        cx, cy, cw, ch, _area = stats[i]
        if cw < min_side or ch < min_side:
            continue
        # A margin inside the rules: what a slightly slanted rule leaves there is no text.
        m = _CELL_MARGIN
        cells.append(_Cell(x + cx + m, y + cy + m, x + cx + cw - m, y + cy + ch - m))
    if not cells:
        return [], 0, 0
    tol = 2.5 * WORK_DPI / 25.4
    xs = _cluster([c.x0 for c in cells] + [c.x1 for c in cells], tol)
    ys = _cluster([c.y0 for c in cells] + [c.y1 for c in cells], tol)
    # Each boundary cluster holds a cell's far edge and the next cell's near edge (a line apart).
    x_lines = _cluster(xs, tol * 1.6)
    y_lines = _cluster(ys, tol * 1.6)
    for c in cells:
        c.col = _nearest(x_lines, c.x0)
        c.row = _nearest(y_lines, c.y0)
    return cells, len(y_lines) - 1, len(x_lines) - 1


# ---------------------------------------------------------------- cutting lines of text


def _ink_runs(profile: np.ndarray, min_ink: int, min_gap: int) -> list[tuple[int, int]]:
    """Runs of rows (or columns) with ink, merging runs closer than `min_gap`."""
    on = profile >= min_ink
    runs: list[list[int]] = []
    idx = np.flatnonzero(on)
    if idx.size == 0:
        return []
    start = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - prev > min_gap:
            runs.append([start, prev + 1])
            start = i
        prev = i
    runs.append([start, prev + 1])
    return [(a, b) for a, b in runs]


def text_ink(gray: np.ndarray, strict: np.ndarray, light: np.ndarray, min_area: int) -> np.ndarray:
    """The print: strokes of the light mask that have a dark core in the strict mask
    (hysteresis), so a blurred digit keeps its faint ends while noise, a light stamp and specks
    smaller than `min_area` pixels are dropped."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(light, connectivity=8)
    if n <= 1:
        return light
    keep = np.zeros(n, dtype=bool)
    keep[np.unique(labels[strict > 0])] = True
    keep[0] = False
    keep &= stats[:, cv2.CC_STAT_AREA] >= min_area
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _band_lines(ink: np.ndarray, char_h: float) -> list[tuple[int, int, int, int]]:
    """Text lines (x0, y0, x1, y1) inside an ink mask, split by the horizontal projection.

    A band much lower than a character is a piece of the line above or below it (the strokes of
    三 or 二 leave gaps), so it is joined to its nearer neighbour."""
    profile = (ink > 0).sum(axis=1)
    lines = []
    for a, b in _join_pieces(_ink_runs(profile, 1, max(1, int(char_h * 0.12))), char_h):
        cols = np.flatnonzero((ink[a:b] > 0).any(axis=0))
        if not cols.size:
            continue
        width = int(cols[-1] - cols[0]) + 1
        if b - a > 1.7 * char_h and width < 1.5 * char_h:
            # A column of characters one above the other (三、本年度办理结果), touching once
            # blurred: cut where the ink is thinnest near each multiple of a character's
            # height (a Chinese character is about as high as it is wide).
            count = max(1, round((b - a) / width))
            pitch = (b - a) / count
            cuts = [a]
            for k in range(1, count):
                lo, hi = int(a + (k - 0.3) * pitch), int(a + (k + 0.3) * pitch)
                cuts.append(lo + int(np.argmin(profile[lo:hi])))
            cuts.append(b)
            for c, d in itertools.pairwise(cuts):
                piece = np.flatnonzero((ink[c:d] > 0).any(axis=0))
                if piece.size:
                    lines.append((int(piece[0]), c, int(piece[-1]) + 1, d))
            continue
        lines.append((int(cols[0]), a, int(cols[-1]) + 1, b))
    return lines


def _join_pieces(bands: list[tuple[int, int]], char_h: float) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for a, b in bands:
        if (
            merged
            and (b - a < 0.45 * char_h or merged[-1][1] - merged[-1][0] < 0.45 * char_h)
            and (a - merged[-1][1] < 0.35 * char_h)
        ):
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _segments(ink: np.ndarray, line: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """A line split where a gap wider than three characters separates its parts."""
    x0, y0, x1, y1 = line
    height = y1 - y0
    runs = _ink_runs((ink[y0:y1, x0:x1] > 0).sum(axis=0), 1, int(3 * max(height, 10)))
    return [(x0 + a, y0, x0 + b, y1) for a, b in runs]


def _crop(
    gray: np.ndarray,
    box: tuple[int, int, int, int],
    limit: tuple[int, int, int, int] | None = None,
    pad: float = PAD_Y,
) -> np.ndarray:
    """The line image with a white margin around it (the engine was trained on such crops).

    The box is found on the ink mask, which keeps only the dark cores of blurred strokes, so
    the grey image is taken a little wider (within `limit`, a cell's interior), and its
    contrast is stretched: faint print reads as well as dark print."""
    x0, y0, x1, y1 = box
    grow = max(2, int((y1 - y0) * 0.15))
    lx0, ly0, lx1, ly1 = limit or (0, 0, gray.shape[1], gray.shape[0])
    x0, y0 = max(lx0, x0 - grow), max(ly0, y0 - grow)
    x1, y1 = min(lx1, x1 + grow), min(ly1, y1 + grow)
    piece = gray[y0:y1, x0:x1]
    dark, light = int(piece.min()), int(np.percentile(piece, 90))
    if light - dark > 40:
        scale = 255.0 / (light - dark)
        piece = np.clip((piece.astype(np.float32) - dark) * scale, 0, 255).astype(np.uint8)
    h, w = piece.shape
    pad_y, pad_x = max(4, int(h * pad)), max(6, int(h * PAD_X))
    canvas = np.full((h + 2 * pad_y, w + 2 * pad_x), 255, dtype=np.uint8)
    canvas[pad_y : pad_y + h, pad_x : pad_x + w] = piece
    return canvas


def _number_columns(cells: list[_Cell], readings: list[Reading | None]) -> set[int]:
    """Grid columns most of whose filled cells read as numbers (at least three)."""
    counts: dict[int, list[int]] = {}
    for cell, reading in zip(cells, readings, strict=True):
        if reading is not None and reading.text.strip():
            tally = counts.setdefault(cell.col, [0, 0])
            tally[0] += reading.number
            tally[1] += 1
    return {col for col, (numbers, filled) in counts.items() if numbers >= 3 and numbers >= 0.6 * filled}


# ---------------------------------------------------------------- the page


@dataclass
class _Job:
    """Lines to read for one target (a text line or a table cell), joined in order."""

    boxes: list[tuple[int, int, int, int]]
    joiner: str


def read_page(image: np.ndarray, dpi: float, recognizer: Recognizer) -> ScanPage:
    """Text lines and tables of one page image (BGR, BGRA or grey, any resolution)."""
    if image.ndim == 3:
        image = to_working(image[:, :, :3], dpi)  # colour kept for the stamp's red
        gray = ink_gray(image)
    else:
        gray = to_working(image, dpi)
    binary = binarize(gray)
    angle = estimate_skew(binary)
    if abs(angle) >= 0.02:
        gray = rotate(gray, angle)
        binary = binarize(gray)
    page = ScanPage(skew=angle)
    if (binary > 0).mean() > _INK_MAX:
        return page
    unit = WORK_DPI / 25.4
    char_h = 4.0 * unit  # about 10.5–12 pt print
    light = binarize(gray, lighter=35)
    horizontal, vertical = ruling_lines(light)
    grid = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    speck = max(3, int(unit * unit * 0.25))
    # Cells take the faint ends of their strokes too (a blurred small digit loses its last
    # stroke otherwise); the prose reads better cut on the darker mask.
    ink = text_ink(gray, binary, light, speck)
    body = text_ink(gray, binary, binary, speck)
    clean_gray = gray.copy()
    images: list[np.ndarray] = []
    jobs: list[_Job] = []
    tables: list[tuple[list[_Cell], int, int, int]] = []  # cells, rows, cols, first job index
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < 0.25 * gray.shape[1] or h < 8 * unit:
            continue
        cells, n_rows, n_cols = table_cells(grid, horizontal, vertical, (x, y, w, h))
        if not cells or n_cols < 2:
            continue
        body[y : y + h, x : x + w] = 0
        rules = grid[y : y + h, x : x + w] > 0
        # Inside a table the engine reads the grey page with the rules whited out.
        clean_gray[y : y + h, x : x + w][rules] = 255
        ink[y : y + h, x : x + w][rules] = 0
        first = len(jobs)
        for cell in cells:
            inner = ink[cell.y0 : cell.y1, cell.x0 : cell.x1]
            boxes = []
            for lx0, ly0, lx1, ly1 in _band_lines(inner, char_h):
                box = (cell.x0 + lx0, cell.y0 + ly0, cell.x0 + lx1, cell.y0 + ly1)
                if box[3] - box[1] < 1.2 * unit and box[2] - box[0] < 1.2 * unit:
                    continue  # a speck, not a character (a '1' is narrow but tall)
                boxes.append(box)
                images.append(_crop(clean_gray, box, (cell.x0, cell.y0, cell.x1, cell.y1), CELL_PAD_Y))
            jobs.append(_Job(boxes, ""))
        tables.append((cells, n_rows, n_cols, first))
    line_jobs: list[tuple[int, tuple[int, int, int, int]]] = []
    for line in _band_lines(body, char_h):
        if line[3] - line[1] < 0.3 * char_h:
            continue
        segs = _segments(body, line)
        boxes = []
        for seg in segs:
            boxes.append(seg)
            images.append(_crop(clean_gray, seg))
        line_jobs.append((len(jobs), line))
        jobs.append(_Job(boxes, " "))
    readings = recognizer.read(images) if images else []
    results: list[Reading | None] = []
    pos = 0
    for job in jobs:
        parts = readings[pos : pos + len(job.boxes)]
        pos += len(job.boxes)
        if job.joiner and len(parts) > 1:
            # A stray mark far beside a line (a stamp's fragment, a speck) is read as one
            # unsure character; print standing apart on a line reads surely.
            parts = [p for p in parts if len(p.text.strip()) > 2 or p.confidence >= _APART_MIN] or parts
        results.append(Reading.join(parts, job.joiner) if parts else None)
    to_pt = 72.0 / WORK_DPI
    for idx, (x0, y0, x1, _y1) in line_jobs:
        reading = results[idx]
        if reading is None or not reading.text.strip():
            continue
        page.lines.append(
            ScanLine(reading.text.strip(), x0 * to_pt, x1 * to_pt, y0 * to_pt, reading.confidence)
        )
    for cells, n_rows, n_cols, first in tables:
        rows: list[list[str | None]] = [[None] * n_cols for _ in range(n_rows)]
        cell_readings: list[list[Reading | None]] = [[None] * n_cols for _ in range(n_rows)]
        numeric = _number_columns(cells, results[first : first + len(cells)])
        for k, cell in enumerate(cells):
            reading = results[first + k]
            if reading is not None and reading.as_number is not None and cell.col in numeric:
                reading = reading.as_number
            if cell.row >= n_rows or cell.col >= n_cols:
                continue
            rows[cell.row][cell.col] = reading.text if reading is not None else ""
            cell_readings[cell.row][cell.col] = reading
        keep = [r for r in range(n_rows) if any(c is not None for c in rows[r])]
        page.tables.append(
            ScanTable(
                [rows[r] for r in keep],
                [cell_readings[r] for r in keep],
                min(c.y0 for c in cells) * to_pt,
            )
        )
    page.tables.sort(key=lambda t: t.top)
    return page
