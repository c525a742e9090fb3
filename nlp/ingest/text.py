"""Plain-text reports: encoding detection and the two table layouts of extracted text.

Layout A (Word → text): one cell per line, each line starting with a tab, rows separated by
blank lines; a line without a tab right after a cell continues that cell (a wrapped label).
Layout B (PDF → text): the cells of a row on one line separated by tabs; wrapped labels become
rows of their own.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from nlp.errors import InputError
from nlp.models import Block
from nlp.normalize import clean_spaces, drop_lost_indent
from nlp.template import SECTIONS

# Words every annual report contains; used to tell a right decoding from mojibake.
_REPORT_WORDS = ("公开", "政府", "信息", "申请")
_BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]")
_SENTENCE_END = "。！？；：.!?;:”」）)"
_HEADING_START_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]|[①-⑳]|第[一二三四五六七八九十]+)"
)


def decode_text(data: bytes, path: str) -> tuple[str, str]:
    """Decode report bytes; returns (text, encoding). Never guesses silently."""
    if not data.strip():
        raise InputError(path, "empty file")
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with UTF-16's
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise InputError(path, f"broken {enc} text ({exc.reason})") from None
    wide = _utf32_without_bom(data) or _utf16_without_bom(data)
    if wide:
        return data.decode(wide), wide
    if b"\x00" in data:
        raise InputError(path, "binary file, not text (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _looks_like_chinese(text):
        return text, "gb18030"
    best = from_bytes(data).best()
    if best is not None and _looks_like_chinese(str(best)):
        return str(best), best.encoding
    if _control_ratio(data) > 0.05:
        raise InputError(path, "binary file, not text")
    raise InputError(path, "unknown text encoding (not UTF-8, UTF-16 or GB18030/GBK)")


def _utf32_without_bom(data: bytes) -> str | None:
    """UTF-32: every character takes four bytes, and Chinese text (below U+10000) leaves the
    highest two of each at zero."""
    sample = data[:4000]
    if len(data) % 4 or len(sample) < 8:
        return None
    for enc, high in (("utf-32-le", (2, 3)), ("utf-32-be", (0, 1))):
        if all(sample[i::4].count(0) == len(sample[i::4]) for i in high) and _reads_as_report(data, enc):
            return enc
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    # CJK text in UTF-16 has few NULs, but the ASCII digits and newlines give a clear signal.
    for enc, nul in (("utf-16-le", odd_nul), ("utf-16-be", even_nul)):
        if nul > 0.2 and _reads_as_report(data, enc):
            return enc
    return None


def _reads_as_report(data: bytes, encoding: str) -> bool:
    try:
        return _looks_like_chinese(data.decode(encoding))
    except UnicodeDecodeError:
        return False


def _looks_like_chinese(text: str) -> bool:
    return any(word in text for word in _REPORT_WORDS)


def _control_ratio(data: bytes) -> float:
    sample = data[:4000]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls / max(1, len(sample))


_MD_ROW_RE = re.compile(r"^\s*\|.*\|\s*$")
_MD_RULE_RE = re.compile(r"^\s*\|?[\s:|-]*-[\s:|-]*\|?\s*$")
_MD_HEADING_RE = re.compile(r"^\s*#{1,6}\s+")


def _md_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _is_cell_line(line: str) -> bool:
    return line.startswith("\t") and line.count("\t") == 1


def _is_row_line(line: str) -> bool:
    return "\t" in line and not _is_cell_line(line)


def _inline_title_re() -> re.Pattern[str]:
    titles = sorted(
        {re.escape(t) for spec in SECTIONS for t in (spec.canonical, *spec.variants)}, key=len, reverse=True
    )
    return re.compile(rf"([一二三四五六])、\s*({'|'.join(titles)})\s*")


_INLINE_TITLE_RE = _inline_title_re()
_INLINE_SUBHEAD_RE = re.compile(
    r"(?<=[。！？；])\s*(?=[（(][一二三四五六七八九十]{1,2}[)）]|\d{1,2}[、.．](?!\d))"
)
_FLATTENED_MIN = 300


def unflatten(line: str) -> list[str]:
    """A whole report run into one line (crawled pages): break it before and after each
    section title and before each sub-heading that follows a sentence."""
    if len(line) < _FLATTENED_MIN or len(_INLINE_TITLE_RE.findall(line)) < 2:
        return [line]
    line = _INLINE_TITLE_RE.sub(lambda m: f"\n{m.group(1)}、{m.group(2)}\n", line)
    line = _INLINE_SUBHEAD_RE.sub("\n", line)
    return [part for part in line.split("\n")]


def text_blocks(text: str) -> list[Block]:
    """Split decoded text into text lines and tables (both layouts)."""
    text = clean_spaces(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _BOOKMARK_RE.sub("", text)
    lines = [part for line in text.split("\n") for part in unflatten(line)]
    blocks: list[Block] = []
    table: list[list[str]] | None = None
    row: list[str] | None = None  # the layout-A row being filled
    last_was_cell = False

    def close_table() -> None:
        nonlocal table, row
        if row:
            table.append(row)  # type: ignore[union-attr]
        if table:
            blocks.append(Block(kind="table", rows=table))
        table, row = None, None

    for line in lines:
        line = drop_lost_indent(line)
        if _MD_ROW_RE.match(line):
            if _MD_RULE_RE.match(line):
                continue
            if table is None:
                table = []
            if row:
                table.append(row)
                row = None
            table.append(_md_cells(line))
            last_was_cell = False
            continue
        line = _MD_HEADING_RE.sub("", line).replace("**", "")
        if _is_cell_line(line):
            if table is None:
                table = []
            if row is None:
                row = []
            row.append(line[1:])
            last_was_cell = True
            continue
        if _is_row_line(line):
            if table is None:
                table = []
            if row:
                table.append(row)
                row = None
            table.append(line.split("\t"))
            last_was_cell = False
            continue
        if not line.strip():
            if row:
                table.append(row)  # type: ignore[union-attr]
                row = None
            last_was_cell = False
            continue
        if table is not None and last_was_cell and row and not _HEADING_START_RE.match(line):
            row[-1] = f"{row[-1]}\n{line}"
            continue
        if table is not None:
            close_table()
        last_was_cell = False
        blocks.append(Block(kind="text", text=line.strip()))
    if table is not None:
        close_table()
    return _rejoin_broken_lines(blocks)


def _rejoin_broken_lines(blocks: list[Block]) -> list[Block]:
    """Join a line cut mid-sentence with the text line that continues it: a page break in
    extracted text, or the fixed-width lines of a PDF-to-text conversion."""
    lengths = sorted(len(b.text) for b in blocks if b.kind == "text")
    typical = lengths[int(len(lengths) * 0.8)] if lengths else 0
    full_line = min(40, int(typical * 0.8)) if typical >= 15 else 40
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind == block.kind == "text"
            and len(prev.text) >= full_line
            and prev.text[-1] not in _SENTENCE_END
            and ("\u4e00" <= prev.text[-1] <= "\u9fff" or prev.text[-1] in "，、")
            and not _HEADING_START_RE.match(block.text)
        ):
            prev.text += block.text
            continue
        out.append(block)
    return out
