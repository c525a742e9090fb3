"""Plain-text reports: encoding detection and the two table layouts of extracted text.

Layout A (Word → text): one cell per line, each line starting with a tab, rows separated by
blank lines; a line without a tab right after a cell continues that cell (a wrapped label).
Layout B (PDF → text): the cells of a row on one line separated by tabs; wrapped labels become
rows of their own.
"""

from __future__ import annotations

import codecs
import itertools
import re

from charset_normalizer import from_bytes

from nlp.errors import InputError
from nlp.models import Block
from nlp.read.normalize import clean_spaces, drop_lost_indent
from nlp.tables.template import OVERVIEW_SUBHEADINGS, SECTIONS

# Words every annual report contains; used to tell a right decoding from mojibake.
_REPORT_WORDS = ("公开", "政府", "信息", "申请")
_BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]")
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
_LEADING_TITLE_RE = re.compile(r"^\s*" + _INLINE_TITLE_RE.pattern)
# A line that is one of the six section titles and nothing else ends where it ends, however long.
_SECTION_TITLE_LINE_RE = re.compile(
    r"^\s*[一二三四五六][、.．]\s*\S{0,30}(?:总体情况|概述|情况|事项|问题|改进措施|改进)\s*$"
)
_ENUMERATOR = r"[（(][一二三四五六七八九十]{1,2}[)）]|[一二三四五六七八九十]{1,2}[、.．]|\d{1,2}[、.．](?!\d)"
_INLINE_SUBHEAD_RE = re.compile(
    r"(?<=[。！？；])\s*(?=[（(][一二三四五六七八九十]{1,2}[)）]|[（(]\d{1,2}[)）]|\d{1,2}[、.．](?!\d))"
)
# A crawler that joined a page's paragraphs wrote a space where each one ended: whitespace after a
# sentence end, or after a sub-heading standing alone ("（一）主动公开情况 在政府网站…"), or before
# an enumerated sub-heading, is a paragraph break. Chinese prose has no spaces between sentences.
_SPACED_BREAK_RE = re.compile(rf"(?<=[。！？；：:])\s+(?=\S)|\s+(?=(?:{_ENUMERATOR})\S)")
_SPACED_HEADING_RE = re.compile(rf"^(?:{_ENUMERATOR})\s*[^\s。！？；：:，,]{{2,24}}(\s+)(?=\S)")
_FLATTENED_MIN = 200


# A report title run into the text after it ("…2019年政府信息公开工作年度报告本报告依据…").
_TITLE_RUN_IN_RE = re.compile(
    r"^((?!根据|依据|按照|本报告)[^《》“”，,。；;\s]{2,40}?(?:19|20)\d{2}\s*年度?[^《》，,。]{0,12}?信息公开[^《》，,。]{0,8}?"
    r"(?:年度报告|年报))\s*(?=本报告|本年度报告|根据|依据|按照|现将|(?:19|20)\d{2}年|一、)"
)
# A sub-heading run into the list it heads ("（一）存在的主要问题1、信息公开…", "（二）改进情况一是…").
_HEADING_RUN_IN_RE = re.compile(
    r"^([（(][一二三四五六七八九十]{1,2}[)）][^，。；：,;:\s\d]{2,16}?)"
    r"(?=[一二三四五六七八九十]{1,2}是|\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[)）])"
)


# One of the template's sub-headings of 一 run into its text with no stop ("（一）主动公开全年通过…").
_TEMPLATE_SUBHEADING_RUN_IN_RE = re.compile(
    r"^([（(][一二三四五六七八九十]{1,2}[)）]\s*(?:"
    + "|".join(OVERVIEW_SUBHEADINGS)
    + r")(?:情况|方面|工作)?)"
    r"(?=[^\s。，,；;：:、）)情况方面工作])"
)


def unflatten(line: str) -> list[str]:
    """Paragraphs a crawler ran into one line: break before and after each section title, before
    each sub-heading that follows a sentence, and where a space marks a paragraph's end."""
    title = _TITLE_RUN_IN_RE.match(line)
    if title and len(line) - title.end() > 20:
        return [title.group(1), *unflatten(line[title.end() :])]
    if len(line) < _FLATTENED_MIN:
        title = _LEADING_TITLE_RE.match(line)
        if title and title.end() < len(
            line.rstrip()
        ):  # "二、主动公开政府信息情况第二十条…": a title run into its text
            return [line[: title.end()].strip(), line[title.end() :].strip()]
        return [line]
    titled = _INLINE_TITLE_RE.search(line) is not None
    spaced = len(_SPACED_BREAK_RE.findall(line)) >= 2
    if not (titled or spaced):
        return [line]
    line = _INLINE_TITLE_RE.sub(lambda m: f"\n{m.group(1)}、{m.group(2)}\n", line)
    line = _INLINE_SUBHEAD_RE.sub("\n", line)
    parts = [part.strip() for part in line.split("\n")]
    if spaced:
        parts = [piece for part in parts for piece in _split_spaced(part)]
    return [piece for part in parts if part for piece in _split_run_in_heading(part)]


def _split_run_in_heading(part: str) -> list[str]:
    heading = _HEADING_RUN_IN_RE.match(part) or _TEMPLATE_SUBHEADING_RUN_IN_RE.match(part)
    return [heading.group(1), part[heading.end() :]] if heading else [part]


def _split_spaced(part: str) -> list[str]:
    pieces, start = [], 0
    for m in _SPACED_BREAK_RE.finditer(part):
        pieces.append(part[start : m.start()])
        start = m.end()
    pieces.append(part[start:])
    out: list[str] = []
    for piece in pieces:
        heading = _SPACED_HEADING_RE.match(piece)
        if heading:
            out += [piece[: heading.start(1)], piece[heading.end(1) :]]
        else:
            out.append(piece)
    return out


_PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:[-—–－]+\s*\d{1,3}\s*[-—–－]+|第\s*\d{1,3}\s*页(?:\s*[，,/]?\s*共\s*\d{1,3}\s*页)?)\s*$"
)
_PAGE_NAVIGATION_RE = re.compile(r"(?:^|(?<=\D))((?:\s*\d{1,3}){6,})\s*$")
_PAGE_NAVIGATION_MIN = 6


def _drop_page_navigation(line: str) -> str:
    """A web page's page links, on a line of their own or run into the end of a sentence ("…，当作
    新的信息重新发7   8   9   10   11   12"): six or more consecutive numbers, alone or after prose
    (a table row has no commas)."""
    m = _PAGE_NAVIGATION_RE.search(line)
    if m and (not line[: m.start()].strip() or re.search(r"[，,。]", line[: m.start()])):
        numbers = [int(n) for n in m.group(1).split()]
        if len(numbers) >= _PAGE_NAVIGATION_MIN and all(b == a + 1 for a, b in itertools.pairwise(numbers)):
            return line[: m.start()]
    return line


def read_text(data: bytes, path: str) -> tuple[list[Block], dict]:
    text, encoding = decode_text(data, path)
    return text_blocks(text), {"encoding": encoding}


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
        line = _drop_page_navigation(drop_lost_indent(line))
        if _PAGE_NUMBER_RE.match(line):
            continue  # "— 2 —" between the pages of a PDF-to-text extraction
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


_CLOSERS = "”」》"
_LONE_ENUMERATOR_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,2}是|[（(][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[、.．]|[①-⑳])\s*$"
)
# An enumerator the line break cut from its text: "…采取了以下整改措施：（1）".
_TRAILING_ENUMERATOR_RE = re.compile(
    r"[：:；;。]\s*(?:[一二三四五六七八九十]{1,2}是|[（(][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[、.．]|[①-⑳])\s*$"
)
# A line that ends with a comma, an opening bracket or quote, or a circled number stops mid-sentence.
_MID_SENTENCE_ENDS = "，,、《“「（("
# The report's own title line ends where it ends ("…2019年政府信息公开工作年度报告").
_REPORT_TITLE_LINE_RE = re.compile(r"(?:19|20)\d{2}\s*年度?.{0,12}信息公开.{0,8}(?:年度报告|年报)\s*$")


def _ends_mid_sentence(text: str) -> bool:
    """A line that stops inside a sentence: after a character, a comma, or a closing quote that
    closes a term (“政社合作”, 《条例》), not a sentence (…。”). A closing bracket may end a
    heading ("重视依申请公开工作（依申请指南…）"), so it ends the line."""
    core = text.rstrip(_CLOSERS)
    last = core[-1:] or " "
    if last in "）)" and re.search(r"[，,；;]", core):  # prose, not a heading: "…个别村（社区）" + "公开栏…"
        return True
    return "\u4e00" <= last <= "\u9fff" or last in _MID_SENTENCE_ENDS or "①" <= last <= "⑳"


def _rejoin_broken_lines(blocks: list[Block]) -> list[Block]:
    """Join a line cut mid-sentence with the text line that continues it: a page break in
    extracted text, or the fixed-width lines of a PDF-to-text conversion."""
    lengths = sorted(len(b.text) for b in blocks if b.kind == "text")
    typical = lengths[int(len(lengths) * 0.8)] if lengths else 0
    full_line = min(40, int(typical * 0.8)) if typical >= 15 else 40
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == block.kind == "text" and (
            _LONE_ENUMERATOR_RE.match(prev.text) or _TRAILING_ENUMERATOR_RE.search(prev.text)
        ):
            prev.text += block.text  # "一是" on a line of its own, or ending a line ("…措施：（1）"), its text on the next
            continue
        if (
            prev is not None
            and prev.kind == block.kind == "text"
            and len(prev.text) >= full_line
            and _ends_mid_sentence(prev.text)
            and not _HEADING_START_RE.match(block.text)
            and not _SECTION_TITLE_LINE_RE.match(prev.text)
            and not _REPORT_TITLE_LINE_RE.search(prev.text)
        ):
            prev.text += block.text
            continue
        out.append(block)
    return out
