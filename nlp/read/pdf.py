"""PDF reports with pdfplumber: narrative lines re-joined into paragraphs, tables in reading order.

- pdfplumber finds the tables and the text lines; the characters and paths it works on are
  read by PDFium (`nlp.read.pdf_objects`), eight times faster than pdfminer's interpreter.

- Table borders in these PDFs are lines or hair-thin filled rectangles; wider filled rectangles
  are text backgrounds, which pdfplumber would otherwise take for one-column "tables". Only
  border-like rectangles are kept for the table finder, and tables that still have a single
  column are read as text.
- A wrapped line is not a paragraph: a new paragraph starts at an indented line, after a short
  line, or at a heading.
- Page numbers ("-3-", "— 3 —", "第3页") and running headers/footers are dropped.
- A table that continues on the next page without a repeated header is merged with the
  previous one, and a group label cut by the page break ("（四）无" / "法提供") is re-joined.
- A page without a text layer (a scan) is rendered and read by OCR (`nlp.read.scan`); its
  lines and tables join the same flow, so a PDF may mix text pages and scanned pages.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from statistics import median

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from pdfplumber.page import Page

from nlp.errors import InputError
from nlp.models import Block, OcrReading
from nlp.read.files import Limits
from nlp.read.pdf_objects import PageError, document_objects

_PAGE_NUMBER_RE = re.compile(
    r"^[\s\-—–－_·.]*(?:第\s*)?\d{1,3}(?:\s*页)?(?:\s*/\s*共?\s*\d+\s*页?)?[\s\-—–－_·.]*$"
)
_HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|[①-⑳])"
)
_SENTENCE_END = "。！？；：!?;:”」）)"
_BORDER_MAX = 3.0  # points: thicker filled rectangles are backgrounds, not table borders
_HEADER_ANCHORS = ("信息内容", "勾稽关系", "申请人情况", "行政复议", "第二十条")


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    page: int


@dataclass
class _Table:
    rows: list[list[str | None]]
    top: float
    page: int
    # Read from a scan: each cell's reading, in the positions of `rows`.
    ocr: list[list[OcrReading | None]] | None = None

    def extend(self, other: _Table) -> None:
        """Append the rows of the table's continuation on the next page."""
        if self.ocr is not None or other.ocr is not None:
            self.ocr = (self.ocr or _no_readings(self.rows)) + (other.ocr or _no_readings(other.rows))
        self.rows.extend(other.rows)
        self.page = other.page

    def append(self, row: list[str | None]) -> None:
        self.rows.append(row)
        if self.ocr is not None:
            self.ocr.append([None] * len(row))


def _no_readings(rows: list[list[str | None]]) -> list[list[OcrReading | None]]:
    return [[None] * len(row) for row in rows]


@dataclass
class _PageContent:
    items: list[_Line | _Table] = field(default_factory=list)
    scanned: bool = False

    def left_margin(self) -> int | None:
        lefts = Counter(round(i.x0) for i in self.items if isinstance(i, _Line) and len(i.text) > 10)
        return lefts.most_common(1)[0][0] if lefts else None


def _align_scans(pages: list[_PageContent]) -> None:
    """Scanned pages moved to the margin of the text pages (or of the first scanned page).

    A scanner places each sheet a little differently; the print's margin is the same on every
    page, and paragraphs are told apart by it (an indent, not a shifted sheet, starts one)."""
    printed = [m for p in pages if not p.scanned and (m := p.left_margin()) is not None]
    scanned = [m for p in pages if p.scanned and (m := p.left_margin()) is not None]
    if not scanned:
        return
    target = Counter(printed).most_common(1)[0][0] if printed else scanned[0]
    for page in pages:
        own = page.left_margin() if page.scanned else None
        if own is None:
            continue
        for item in page.items:
            if isinstance(item, _Line):
                item.x0 += target - own
                item.x1 += target - own


def _is_border(obj: dict) -> bool:
    if obj.get("object_type") == "rect":
        return min(obj["width"], obj["height"]) < _BORDER_MAX
    return True


def _cell_text(cell: str | None) -> str | None:
    if cell is None:
        return None
    return re.sub(r"\s*\n\s*", "", cell).strip()


def _page_content(page: Page, number: int) -> _PageContent:
    content = _PageContent()
    tables: list[_Table] = []
    bboxes: list[tuple[float, float, float, float]] = []
    if page.lines or any(min(r["width"], r["height"]) < _BORDER_MAX for r in page.rects):
        for table in page.filter(_is_border).find_tables():
            rows = [[_cell_text(c) for c in row] for row in table.extract()]
            if max((sum(1 for c in row if c) for row in rows), default=0) <= 1:
                continue  # a one-column "table" is a framed paragraph: read it as text
            tables.append(_Table(rows, table.bbox[1], number))
            bboxes.append(table.bbox)

    def outside(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in bboxes)

    text_page = page.filter(outside) if bboxes else page
    lines = [
        _Line(line["text"].strip(), line["x0"], line["x1"], line["top"], number)
        for line in text_page.extract_text_lines(return_chars=False)
        if line["text"].strip()
    ]
    content.items = sorted([*lines, *tables], key=lambda item: item.top)
    return content


def _running_lines(pages: list[_PageContent]) -> set[str]:
    """Texts that recur on most pages at the same place: running headers and footers."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for page in pages:
        edge = [i for i in page.items if isinstance(i, _Line)]
        for line in edge[:1] + edge[-1:]:
            counts[re.sub(r"\d+", "#", line.text)] += 1
    return {text for text, n in counts.items() if n >= max(3, len(pages) * 0.6)}


def _continues(prev: _Table, table: _Table, first_on_page: bool) -> bool:
    if not first_on_page or table.page != prev.page + 1:
        return False
    if len(table.rows[0]) != len(prev.rows[-1]):
        return False
    head = "".join(c or "" for c in table.rows[0])
    return not any(anchor in head for anchor in _HEADER_ANCHORS)


def _rejoin_cut_labels(prev: _Table, table: _Table) -> None:
    """Append label fragments at the top of a continued table to the label they finish."""
    first = table.rows[0]
    for col, text in enumerate(first):
        if not text or _HEADING_RE.match(text) or re.search(r"\d", text):
            continue
        for row in reversed(prev.rows):
            above = row[col]
            if above:
                if not any(anchor in above for anchor in _HEADER_ANCHORS):
                    # a header cell ("信息内容") is never cut: the row below it starts the page
                    row[col] = above + text
                    first[col] = None
                break


@dataclass(frozen=True)
class _Layout:
    left: float
    right: float
    char: float

    @classmethod
    def of(cls, lines: list[_Line]) -> _Layout:
        left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
        right = sorted(line.x1 for line in lines)[int(len(lines) * 0.9)]
        widths = [(line.x1 - line.x0) / len(line.text) for line in lines if len(line.text) > 10]
        return cls(left, right, median(widths) if widths else 12.0)


_NUMBER_TOKEN_RE = re.compile(r"[+\-]?\d[\d,]*(?:\.\d+)?")


def _stray_row(lines: list[_Line]) -> list[str] | None:
    """A table row printed just below the table's last border (the border was lost at the
    page break): a short label line and a line of numbers."""
    if not 1 < len(lines) <= 3:
        return None
    labels: list[str] = []
    numbers: list[str] = []
    for line in lines:
        tokens = line.text.split()
        if all(_NUMBER_TOKEN_RE.fullmatch(t) for t in tokens):
            numbers.extend(tokens)
        elif len(line.text) <= 45 and not re.search(r"[。；]", line.text):
            labels.append(line.text)
        else:
            return None
    return [*labels, *numbers] if labels and numbers else None


def _short(line: _Line, layout: _Layout) -> bool:
    """A line that ends a paragraph by stopping short of the right margin. Unjustified print
    (a browser's, a scan of it) stops up to three characters short mid-sentence, where a
    comma may not start the next line; such a line ends a paragraph only at a full stop."""
    gap = layout.right - line.x1
    if gap < 1.5 * layout.char:
        return False
    return gap >= 3.5 * layout.char or line.text.rstrip()[-1:] in _SENTENCE_END


def _paragraphs(lines: list[_Line], layout: _Layout) -> list[str]:
    """Join wrapped lines; a paragraph starts indented, after a short line or at a heading."""
    paragraphs: list[str] = []
    prev: _Line | None = None
    for line in lines:
        starts = (
            prev is None
            or line.x0 > layout.left + 0.8 * layout.char
            or _short(prev, layout)
            or _HEADING_RE.match(line.text) is not None
        )
        if starts:
            paragraphs.append(line.text)
        else:
            paragraphs[-1] += line.text
        prev = line
    return paragraphs


def check_pdf(data: bytes, path: str, limits: Limits) -> None:
    """Refuse a password-protected PDF, or one with more pages than the limit, before reading it."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise InputError(path, "encrypted PDF: it needs a password to open") from None
        return  # read_pdf says what is wrong with it
    try:
        pages = len(document)
    finally:
        document.close()
    if pages > limits.max_pages:
        raise InputError(path, f"{pages} pages, over the limit of {limits.max_pages} (--max-pages)")


# A page with fewer characters than this is taken for a scan (a scanner's page stamp or a
# stray number is not a text layer) and read by OCR.
_MIN_PAGE_CHARS = 20


def read_pdf(data: bytes, path: str) -> tuple[list[Block], dict]:
    """Blocks of a PDF report; pages without a text layer are read by OCR."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        raise InputError(path, f"cannot open PDF ({type(exc).__name__})") from None
    with pdf:
        try:
            objects = document_objects(data, pdf.pages)
        except PageError as exc:
            raise InputError(path, f"cannot read page {exc.number} ({exc.reason})") from None
        except ValueError as exc:
            raise InputError(path, f"damaged PDF ({exc})") from None
        except Exception as exc:
            raise InputError(path, f"cannot open PDF ({type(exc).__name__})") from None
        for page, page_objects in zip(pdf.pages, objects, strict=True):
            page._objects = page_objects
        n_pages = len(pdf.pages)
        scanned = [n for n, page in enumerate(pdf.pages) if len(page.chars) < _MIN_PAGE_CHARS]
        pages = {n: _page_content(page, n) for n, page in enumerate(pdf.pages) if n not in scanned}
    warnings: list[str] = []
    if scanned:
        pages.update(_scanned_pages(data, scanned, path, warnings))
    blocks = pages_to_blocks([pages[n] for n in sorted(pages)])
    if not blocks and len(scanned) == n_pages:
        raise InputError(path, "no text layer, and OCR found no text on its pages")
    return blocks, {"pages": n_pages, "warnings": warnings}


def _scanned_pages(
    data: bytes, numbers: list[int], path: str, warnings: list[str]
) -> dict[int, _PageContent]:
    """The pages without a text layer, rendered at the OCR's working resolution and read."""
    from nlp.read.ocr import require_recognizer
    from nlp.read.scan import WORK_DPI

    recognizer = None
    out: dict[int, _PageContent] = {}
    skews: list[float] = []
    document = pdfium.PdfDocument(data)
    try:
        for n in numbers:
            image = document[n].render(scale=WORK_DPI / 72, grayscale=False).to_numpy()
            if image.min() > 200:
                continue  # a blank page
            recognizer = recognizer or require_recognizer(path)
            out[n], skew = scanned_page_content(image, WORK_DPI, n, recognizer)
            skews.append(skew)
    finally:
        document.close()
    if out:
        shown = _page_ranges([n + 1 for n in sorted(out)])
        warnings.append(
            f"ocr_pages: page(s) {shown} read by OCR ({recognizer.name}); "
            f"skew corrected up to {max(abs(s) for s in skews):.1f}°"
        )
    return out


def _page_ranges(numbers: list[int]) -> str:
    ranges: list[list[int]] = []
    for n in numbers:
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in ranges)


def scanned_page_content(
    image: np.ndarray, dpi: float, number: int, recognizer
) -> tuple[_PageContent, float]:
    """One page image read by OCR, as the text reader's lines and tables (in points)."""
    from nlp.read.scan import read_page

    scan = read_page(image, dpi, recognizer)
    items: list[_Line | _Table] = [
        _Line(line.text, line.x0, line.x1, line.top, number) for line in scan.lines
    ]
    for table in scan.tables:
        readings = [
            [
                None
                if r is None
                else OcrReading(confidence=round(r.confidence, 4), alternatives=list(r.alternatives))
                for r in row
            ]
            for row in table.readings
        ]
        items.append(_Table([list(row) for row in table.rows], table.top, number, readings))
    return _PageContent(sorted(items, key=lambda item: item.top), scanned=True), scan.skew


def pages_to_blocks(pages: list[_PageContent]) -> list[Block]:
    """Blocks in reading order, with page furniture removed and continued tables merged."""
    _align_scans(pages)
    running = _running_lines(pages)
    flow: list[list[_Line] | _Table] = []
    for page in pages:
        first_on_page = True
        for item in page.items:
            if isinstance(item, _Line):
                if _PAGE_NUMBER_RE.match(item.text) or re.sub(r"\d+", "#", item.text) in running:
                    continue
                if not flow or not isinstance(flow[-1], list):
                    flow.append([])
                flow[-1].append(item)
            elif (
                len(flow) >= 2
                and isinstance(flow[-1], list)
                and isinstance(flow[-2], _Table)
                and first_on_page
                and all(line.page == flow[-2].page for line in flow[-1])
                and (stray := _stray_row(flow[-1])) is not None
            ):
                flow.pop()
                flow[-1].append(list(stray))
                if _continues(flow[-1], item, first_on_page):
                    flow[-1].extend(item)
                else:
                    flow.append(item)
            elif flow and isinstance(flow[-1], _Table) and _continues(flow[-1], item, first_on_page):
                _rejoin_cut_labels(flow[-1], item)
                flow[-1].extend(item)
            else:
                flow.append(item)
            first_on_page = False
    all_lines = [line for part in flow if isinstance(part, list) for line in part]
    layout = _Layout.of(all_lines) if all_lines else _Layout(0, 0, 12)
    blocks: list[Block] = []
    for part in flow:
        if isinstance(part, list):
            blocks.extend(
                Block(kind="text", text=t, page=part[0].page + 1) for t in _paragraphs(part, layout)
            )
        else:
            rows = [[c for c in row if c is not None] for row in part.rows]
            ocr = None
            if part.ocr is not None:
                ocr = [
                    [r for c, r in zip(row, readings, strict=True) if c is not None]
                    for row, readings in zip(part.rows, part.ocr, strict=True)
                ]
            blocks.append(Block(kind="table", rows=rows, page=part.page + 1, ocr=ocr))
    return blocks
