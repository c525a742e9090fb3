"""HTML report pages with lxml: page chrome dropped, paragraphs and tables in document order.

Each table cell is read once in the row where it starts (a rowspan/colspan cell is not copied
into the positions it covers, as with PDF and Word tables), so that the n-th value of a row is
the n-th value cell whatever the spans (TEMPLATES.md §8 V13). `&nbsp;` cells stay as blank
cells. The charset comes from the document's meta tag or BOM.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from nlp.errors import InputError
from nlp.models import Block
from nlp.read.normalize import drop_lost_indent

from .text import decode_text

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
)
_CHROME_RE = re.compile(
    r"(^|[\s_-])(nav|menu|footer|header|breadcrumb|crumb|share|sidebar|toolbar|copyright|topbar|search|login)($|[\s_-])",
    re.IGNORECASE,
)
_BLOCK_TAGS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "section",
    "article",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "center",
}


def decode_html(data: bytes, path: str) -> tuple[str, str]:
    """Decode with the charset the page declares, else detect as for text files."""
    m = _CHARSET_RE.search(data[:4096])
    if m:
        charset = m.group(1).decode("ascii", "replace").lower()
        charset = {"gb2312": "gb18030", "gbk": "gb18030"}.get(charset, charset)
        try:
            return data.decode(charset), charset
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, path)


def _is_chrome(element: etree._Element) -> bool:
    marks = " ".join(filter(None, (element.get("class"), element.get("id"), element.get("role"))))
    return bool(marks) and bool(_CHROME_RE.search(marks))


def _cell_text(cell: etree._Element) -> str:
    for br in cell.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return re.sub(r"\s*\n\s*", "", cell.text_content()).replace("\xa0", " ").strip(" \t\r")


def _table_rows(table: etree._Element) -> list[list[str]]:
    rows: list[list[str]] = []
    for tr in table.iter("tr"):
        if tr.getparent() is not None and _nearest_table(tr) is not table:
            continue  # rows of a nested table belong to that table
        rows.append([_cell_text(cell) for cell in tr if cell.tag in ("td", "th")])
    return rows


def _nearest_table(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _walk(root: etree._Element, blocks: list[Block]) -> None:
    """Text lines and tables in document order. A loop over a stack, not recursion: pages nest
    thousands of unclosed tags deep, past Python's recursion limit."""
    line: list[str] = []

    def flush() -> None:
        text = drop_lost_indent(re.sub(r"[ \t\u00a0\u3000]+", " ", "".join(line)).strip())
        if text:
            blocks.append(Block(kind="text", text=text))
        line.clear()

    stack: list[tuple[str, etree._Element | None]] = [("open", root)]
    while stack:
        step, element = stack.pop()
        if step == "flush":
            flush()
        elif step == "tail":
            if element is not None and element.tail:
                line.append(element.tail)
        elif step == "table":
            blocks.append(Block(kind="table", rows=_table_rows(element)))
        else:  # open: its text, then its children in order
            assert element is not None
            if element.text:
                line.append(element.text)
            steps: list[tuple[str, etree._Element | None]] = []
            for child in element:
                if not isinstance(child.tag, str):  # comments, processing instructions
                    steps.append(("tail", child))
                elif child.tag == "table":
                    steps += [("flush", None), ("table", child), ("tail", child)]
                elif child.tag == "br":
                    steps += [("flush", None), ("tail", child)]
                elif child.tag in _BLOCK_TAGS:
                    steps += [("flush", None), ("open", child), ("flush", None), ("tail", child)]
                else:
                    steps += [("open", child), ("tail", child)]
            stack.extend(reversed(steps))
    flush()


# Inline formatting carries nothing this reader uses; pages that leave it unclosed hundreds of
# times nest deeper than libxml2 goes (2048 levels even with huge_tree).
_INLINE_TAG_RE = re.compile(r"</?(?:span|font|b|strong|i|em|u|o:p)(?:\s[^>]*)?/?>", re.IGNORECASE)


def _parse(text: str) -> tuple[etree._Element, bool]:
    """The page's tree, and whether libxml2 stopped before its end (nesting past its limit)."""
    parser = lxml.html.HTMLParser(huge_tree=True)  # lifts the 256-level limit to 2048
    root = lxml.html.document_fromstring(text, parser=parser)
    cut = any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)
    return root, cut


def read_html(data: bytes, path: str) -> tuple[list[Block], dict]:
    text, encoding = decode_html(data, path)
    warnings: list[str] = []
    try:
        root, cut = _parse(text)
        if cut:
            root, cut = _parse(_INLINE_TAG_RE.sub("", text))
        if cut:
            warnings.append(
                "html_cut_off: the page nests elements deeper than the HTML parser reads (2048 levels);"
                " what follows that point is missing"
            )
    except (etree.ParserError, ValueError) as exc:
        raise InputError(path, f"not a readable HTML page ({exc})") from None
    for element in list(root.iter(*_DROP_TAGS)):
        element.drop_tree()
    for element in [e for e in root.iter() if isinstance(e.tag, str) and e.tag not in ("html", "body")]:
        if _is_chrome(element) and element.getparent() is not None:
            element.drop_tree()
    body = root.find("body")
    blocks: list[Block] = []
    _walk(body if body is not None else root, blocks)
    return blocks, {"encoding": encoding, "warnings": warnings}
