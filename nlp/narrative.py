"""Narrative units for the classifier: one paragraph per unit, whatever the text extraction did.

Two extraction artefacts break paragraphs: PDF→text wraps every printed line ("…着力发挥" /
"— 1 —" / "政务公开促落实…"), and crawled web pages flatten the whole body into one line with
the section titles and enumerators inline ("…成效。二、主动公开政府信息情况…（一）强化组织…").
`unflatten_blocks` splits such a line where a section title or an enumerator starts a new
sentence; `rejoin_wrapped` joins wrapped lines back into their paragraph.
"""

from __future__ import annotations

import re
from collections import Counter

from nlp.models import Block, Paragraph, Section
from nlp.structure import find_paragraphs, find_sections

_CN = "一二三四五六七八九十"
# A flattened body: one text line long enough to be a whole report and holding section titles.
_FLATTENED_MIN_CHARS = 1500
_INLINE_TITLE_RE = re.compile(rf"(?<=[。；;！？\s\d])(?=[{_CN}]、)")
_INLINE_ENUM_RE = re.compile(
    rf"(?<=[。；;！？：:\s])(?=[（(][{_CN}]{{1,2}}[)）]|[（(]\d{{1,2}}[)）]|\d{{1,2}}[.．、](?!\d)|[①-⑳])"
)
_CRAWLER_MARK_RE = re.compile(r"^=+\s*正文\s*=+")
_PAGE_NUMBER_RE = re.compile(r"^[-—–－\s]*\d{1,3}[-—–－\s]*$")
_SENTENCE_END = "。；;！!？?：:"
_ENUM_START_RE = re.compile(
    rf"^(?:[（(]\s*[{_CN}\d]{{1,2}}\s*[)）]|[{_CN}]{{1,2}}[、是]|\d{{1,2}}\s*[.．、](?!\d)|[①-⑳]|#)"
)
# Lines of PDF→text are cut at the printed width; a shorter line ends its paragraph. A text is
# taken as wrapped when enough lines stop mid-sentence at one width (≥ 15 characters).
_WRAPPED_MIN_WIDTH = 15
_WRAPPED_MIN_LINES = 5
_WRAPPED_MIN_SHARE = 0.3
_WIDTH_TOLERANCE = 3


def unflatten_blocks(blocks: list[Block]) -> list[Block]:
    """Split a flattened body line into lines at inline section titles and enumerators."""
    out: list[Block] = []
    for block in blocks:
        text = _CRAWLER_MARK_RE.sub("", block.text).strip() if block.kind == "text" else ""
        if block.kind != "text" or len(text) < _FLATTENED_MIN_CHARS:
            out.append(block)
            continue
        pieces = [
            part.strip()
            for title_part in _INLINE_TITLE_RE.split(text)
            for part in _INLINE_ENUM_RE.split(title_part)
        ]
        out.extend(Block(kind="text", text=p, page=block.page) for p in pieces if p)
    return out


def _width(text: str) -> float:
    """Printed width in full-width characters (ASCII letters, digits and spaces count half)."""
    return sum(0.5 if ord(ch) < 256 else 1.0 for ch in text)


def _wrap_width(paragraphs: list[Paragraph]) -> float | None:
    """The printed line width when many lines stop mid-sentence at about the same width."""
    open_ended = [round(_width(p.text)) for p in paragraphs if p.text and p.text[-1] not in _SENTENCE_END]
    if not open_ended:
        return None
    mode = Counter(open_ended).most_common(1)[0][0]
    at_width = sum(1 for w in open_ended if abs(w - mode) <= _WIDTH_TOLERANCE)
    wrapped = mode >= _WRAPPED_MIN_WIDTH and at_width >= _WRAPPED_MIN_LINES
    return mode if wrapped and at_width >= _WRAPPED_MIN_SHARE * len(paragraphs) else None


def rejoin_wrapped(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Join the lines of a paragraph that a PDF extraction wrapped at the printed width, and drop
    page numbers; text whose lines are real paragraphs (web pages, Word) is left as it is.
    """
    kept = [p for p in paragraphs if p.text.strip() and not _PAGE_NUMBER_RE.match(p.text.strip())]
    width = _wrap_width(kept)
    out: list[Paragraph] = []
    last_line = ""
    for paragraph in kept:
        text = paragraph.text.strip()
        if (
            width is not None
            and out
            and out[-1].section == paragraph.section
            and abs(_width(last_line) - width) <= _WIDTH_TOLERANCE
            and last_line[-1] not in _SENTENCE_END
            and not _ENUM_START_RE.match(text)
            and "|" not in last_line + text
        ):
            out[-1] = out[-1].model_copy(update={"text": out[-1].text + text})
        else:
            out.append(paragraph.model_copy(update={"text": text}))
        last_line = text
    return out


def narrative_paragraphs(blocks: list[Block]) -> tuple[list[Section], list[Paragraph], str | None]:
    """Sections, whole narrative paragraphs and the report title of a document's blocks."""
    unflattened = unflatten_blocks(blocks)
    sections = find_sections(unflattened)
    paragraphs, title = find_paragraphs(unflattened, sections)
    return sections, rejoin_wrapped(paragraphs), title
