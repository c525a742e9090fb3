"""A PDF page's characters and vector paths read by PDFium, in pdfplumber's object format.

pdfplumber reads a page by running pdfminer's content-stream interpreter in Python, which is most
of the time spent on a PDF report. PDFium (pypdfium2, which pdfplumber already depends on) reads
the same page in C++ about eight times faster. This module turns PDFium's characters and paths
into the dicts pdfplumber's own algorithms work on — table finding, text lines — so the reader
keeps pdfplumber's behaviour without the interpreter's cost. Coordinates follow pdfminer:

- the page's rotation and MediaBox origin are applied as pdfminer's interpreter applies them;
- a character's box starts at its advance origin and at its font's descent and is one em high
  (PDFium's loose box, or the em from the origin where PDFium's box is implausible);
- each subpath of a path becomes what pdfminer makes of it: an axis-aligned closed rectangle a
  ``rect``, a single segment a ``line``, anything else a ``curve`` with its points;
- form XObjects are entered with their matrices.
"""

from __future__ import annotations

import ctypes
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as raw
from pdfplumber.page import Page

PdfObjects = dict[str, list[dict]]
Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_GAP = 0.01  # points: two coordinates closer than this are the same


@dataclass(frozen=True)
class PageFrame:
    """Where pdfplumber puts a page: pdfminer's device matrix and pdfplumber's page box."""

    ctm: Matrix  # user space → pdfminer's coordinates (rotation, MediaBox origin)
    height: float
    x_offset: float  # pdfplumber's MediaBox x0 and top, added back to pdfminer's coordinates
    top_offset: float
    page_number: int
    doctop: float

    @classmethod
    def of(cls, page: pdfium.PdfPage, plumber_page: Page) -> PageFrame:
        """pdfminer's matrix for the raw MediaBox and /Rotate, pdfplumber's box for the page."""
        x0, y0, x1, y1 = page.get_mediabox()
        ctm = {
            90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
            180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
            270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
        }.get(page.get_rotation(), (1.0, 0.0, 0.0, 1.0, -x0, -y0))
        box = plumber_page.mediabox
        return cls(
            ctm, plumber_page.height, box[0], box[1], plumber_page.page_number, plumber_page.initial_doctop
        )

    def box(self, points: list[tuple[float, float]]) -> dict:
        """The pdfplumber position keys of the box around some user-space points."""
        moved = [_apply(self.ctm, p) for p in points]
        xs, ys = [p[0] for p in moved], [p[1] for p in moved]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        top = self.height - y1 + self.top_offset
        return {
            "page_number": self.page_number,
            "x0": x0 + self.x_offset,
            "x1": x1 + self.x_offset,
            "y0": y0,
            "y1": y1,
            "top": top,
            "bottom": self.height - y0 + self.top_offset,
            "doctop": self.doctop + top,
            "width": x1 - x0,
            "height": y1 - y0,
        }

    def point(self, p: tuple[float, float]) -> tuple[float, float]:
        x, y = _apply(self.ctm, p)
        return x + self.x_offset, self.height - y + self.top_offset


# PDFium is not thread-safe: the threads of one process (a Dask worker's) take turns.
_PDFIUM_LOCK = threading.Lock()


class PageError(Exception):
    """PDFium could not read a page (1-based `number`)."""

    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"page {number}: {reason}")
        self.number, self.reason = number, reason


def document_objects(data: bytes, pages: list[Page]) -> list[PdfObjects]:
    """The objects of every page of a PDF that pdfplumber has opened as `pages`.

    Raises pdfium.PdfiumError when PDFium cannot open the file, PageError for a page it cannot
    read, ValueError when its page count differs from pdfplumber's.
    """
    with _PDFIUM_LOCK:
        document = pdfium.PdfDocument(data)
        try:
            if len(document) != len(pages):
                raise ValueError(f"{len(document)} pages for PDFium, {len(pages)} for pdfplumber")
            found = []
            for number, (page, pdfium_page) in enumerate(zip(pages, document, strict=True), 1):
                try:
                    found.append(page_objects(pdfium_page, PageFrame.of(pdfium_page, page)))
                except pdfium.PdfiumError as exc:
                    raise PageError(number, str(exc)) from None
                finally:
                    pdfium_page.close()
            return found
        finally:
            document.close()


def page_objects(page: pdfium.PdfPage, frame: PageFrame) -> PdfObjects:
    """Characters, rects, lines and curves of one page."""
    objects: PdfObjects = {"char": _chars(page, frame)}
    for kind, points, extra in _paths(page):
        shape = {"object_type": kind, **frame.box(points), **extra}
        if kind == "curve":
            shape["pts"] = [frame.point(p) for p in points]
        objects.setdefault(kind, []).append(shape)
    return objects


def _chars(page: pdfium.PdfPage, frame: PageFrame) -> list[dict]:
    textpage = page.get_textpage()
    handle = textpage.raw
    box, matrix = raw.FS_RECTF(), raw.FS_MATRIX()
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    chars = []
    try:
        for i in range(raw.FPDFText_CountChars(handle)):
            if raw.FPDFText_IsGenerated(handle, i) == 1:
                continue  # a space or line break PDFium inferred: pdfplumber infers its own
            code = raw.FPDFText_GetUnicode(handle, i)
            if code in (0, 0xFFFE, 0xFFFF) or 0xD800 <= code <= 0xDFFF:
                continue
            if not raw.FPDFText_GetLooseCharBox(handle, i, box):
                continue
            raw.FPDFText_GetMatrix(handle, i, matrix)
            size = raw.FPDFText_GetFontSize(handle, i) * math.hypot(matrix.c, matrix.d)
            x0, x1, y0 = box.left, box.right, min(box.bottom, box.top)
            if not 0 < x1 - x0 < 1.5 * size:  # PDFium's box of a glyph set vertically
                raw.FPDFText_GetCharOrigin(handle, i, origin_x, origin_y)
                x0, x1, y0 = origin_x.value, origin_x.value + size, origin_y.value
            a, b, c, d, _, _ = _multiply((matrix.a, matrix.b, matrix.c, matrix.d, 0.0, 0.0), frame.ctm)
            chars.append(
                {
                    "object_type": "char",
                    "text": chr(code),
                    **frame.box([(x0, y0), (x1, y0 + size)]),
                    "size": size,
                    "upright": a * d > 0 and b * c <= 0,  # pdfminer's test
                    "fontname": "",
                }
            )
    finally:
        textpage.close()
    return chars


def _paths(page: pdfium.PdfPage) -> Iterator[tuple[str, list[tuple[float, float]], dict]]:
    for handle, matrix in _path_handles(
        page.raw, raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject, _IDENTITY
    ):
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        raw.FPDFPath_GetDrawMode(handle, fill, stroke)
        extra = {"fill": bool(fill.value), "stroke": bool(stroke.value)}
        for points, closed in _subpaths(handle, matrix):
            if _is_rectangle(points, closed):
                yield "rect", points, extra
            elif len(points) == 2 and not closed:
                yield "line", points, extra
            elif len(points) >= 2:
                yield "curve", points + ([points[0]] if closed else []), extra


def _path_handles(parent, count, get, matrix: Matrix) -> Iterator[tuple[object, Matrix]]:
    """Every path object of the page or of a form, with its matrix to user space."""
    fs_matrix = raw.FS_MATRIX()
    for i in range(count(parent)):
        handle = get(parent, i)
        kind = raw.FPDFPageObj_GetType(handle)
        if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
            continue
        raw.FPDFPageObj_GetMatrix(handle, fs_matrix)
        own = _multiply(
            (fs_matrix.a, fs_matrix.b, fs_matrix.c, fs_matrix.d, fs_matrix.e, fs_matrix.f), matrix
        )
        if kind == raw.FPDF_PAGEOBJ_PATH:
            yield handle, own
        else:
            yield from _path_handles(handle, raw.FPDFFormObj_CountObjects, raw.FPDFFormObj_GetObject, own)


def _subpaths(handle, matrix: Matrix) -> Iterator[tuple[list[tuple[float, float]], bool]]:
    x, y = ctypes.c_float(), ctypes.c_float()
    points: list[tuple[float, float]] = []
    closed = False
    for i in range(raw.FPDFPath_CountSegments(handle)):
        segment = raw.FPDFPath_GetPathSegment(handle, i)
        raw.FPDFPathSegment_GetPoint(segment, x, y)
        point = _apply(matrix, (x.value, y.value))
        if raw.FPDFPathSegment_GetType(segment) == raw.FPDF_SEGMENT_MOVETO:
            if points:
                yield points, closed
            points, closed = [point], False
        else:
            points.append(point)
        if raw.FPDFPathSegment_GetClose(segment):
            closed = True
    if points:
        yield points, closed


def _is_rectangle(points: list[tuple[float, float]], closed: bool) -> bool:
    corners = points[:-1] if len(points) == 5 and _same(points[0], points[-1]) else points
    if len(corners) != 4 or not (closed or len(points) == 5):
        return False
    return all(
        abs(p[0] - q[0]) < _GAP or abs(p[1] - q[1]) < _GAP
        for p, q in zip(corners, corners[1:] + corners[:1], strict=True)
    )


def _same(p: tuple[float, float], q: tuple[float, float]) -> bool:
    return abs(p[0] - q[0]) < _GAP and abs(p[1] - q[1]) < _GAP


def _apply(m: Matrix, p: tuple[float, float]) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * p[0] + c * p[1] + e, b * p[0] + d * p[1] + f


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF row-vector convention)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)
