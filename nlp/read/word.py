"""Word reports: DOCX with python-docx, legacy DOC through LibreOffice when it is installed.

Paragraphs and tables are read in body order. A merged cell is read once: a horizontal span
(gridSpan) is one cell, and the continuation parts of a vertical merge (vMerge) are left out,
as pdfplumber leaves out the covered parts of a spanned cell. Word's automatic numbering is
rendered back into the text ("一、总体情况"), because the number is not in the paragraph's text.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import docx
from docx.document import Document
from docx.oxml.ns import qn
from lxml import etree

from nlp.errors import InputError
from nlp.models import Block
from nlp.read.files import Limits

_CN_DIGITS = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n <= 10:
        return "十" if n == 10 else _CN_DIGITS[n]
    if n < 20:
        return "十" + _CN_DIGITS[n - 10]
    tens, units = divmod(n, 10)
    return _CN_DIGITS[tens] + "十" + (_CN_DIGITS[units] if units else "")


def _format_number(n: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideograph", "japanese", "taiwanese")):
        return _chinese(n)
    if fmt == "decimalEnclosedCircle" and n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt == "none":
        return ""
    return str(n)


class _Numbering:
    """Renders the automatic list numbers of paragraphs, counting as Word does."""

    def __init__(self, document: Document) -> None:
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.style_numpr: dict[str, tuple[str, int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (NotImplementedError, KeyError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for absnum in numbering.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in absnum.findall(qn("w:lvl")):
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                levels[int(lvl.get(qn("w:ilvl")))] = (
                    fmt.get(qn("w:val")) if fmt is not None else "decimal",
                    text.get(qn("w:val")) if text is not None else "",
                    int(start.get(qn("w:val"))) if start is not None else 1,
                )
            abstract[absnum.get(qn("w:abstractNumId"))] = levels
        for num in numbering.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is None:
                continue
            for ilvl, spec in abstract.get(ref.get(qn("w:val")), {}).items():
                self.levels[(num.get(qn("w:numId")), ilvl)] = spec
        for style in document.styles:
            ppr = style.element.find(qn("w:pPr"))
            numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
            if numpr is not None and numpr.find(qn("w:numId")) is not None:
                ilvl = numpr.find(qn("w:ilvl"))
                self.style_numpr[style.style_id] = (
                    numpr.find(qn("w:numId")).get(qn("w:val")),
                    int(ilvl.get(qn("w:val"))) if ilvl is not None else 0,
                )

    def label(self, paragraph: etree._Element) -> str:
        ppr = paragraph.find(qn("w:pPr"))
        numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
        ref: tuple[str, int] | None = None
        if numpr is not None and numpr.find(qn("w:numId")) is not None:
            ilvl = numpr.find(qn("w:ilvl"))
            ref = (
                numpr.find(qn("w:numId")).get(qn("w:val")),
                int(ilvl.get(qn("w:val"))) if ilvl is not None else 0,
            )
        elif ppr is not None and ppr.find(qn("w:pStyle")) is not None:
            ref = self.style_numpr.get(ppr.find(qn("w:pStyle")).get(qn("w:val")))
        if ref is None or ref[0] == "0" or ref not in self.levels:
            return ""
        num_id, ilvl = ref
        counters = self.counters.setdefault(num_id, {})
        fmt, text, start = self.levels[ref]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [lv for lv in counters if lv > ilvl]:
            del counters[deeper]
        label = text
        for lv in range(ilvl + 1):
            lv_fmt, _, lv_start = self.levels.get((num_id, lv), ("decimal", "", 1))
            value = counters.get(lv, lv_start)
            label = label.replace(f"%{lv + 1}", _format_number(value, lv_fmt if lv != ilvl else fmt))
        return label


def _paragraph_text(p: etree._Element) -> str:
    parts: list[str] = []
    for node in p.iter(qn("w:t"), qn("w:tab"), qn("w:br")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append(" ")
    return "".join(parts)


def _table_rows(tbl: etree._Element) -> list[list[str]]:
    rows: list[list[str]] = []
    for tr in tbl.findall(qn("w:tr")):
        row: list[str] = []
        for tc in tr.findall(qn("w:tc")):
            tcpr = tc.find(qn("w:tcPr"))
            vmerge = tcpr.find(qn("w:vMerge")) if tcpr is not None else None
            if vmerge is not None and vmerge.get(qn("w:val")) != "restart":
                continue  # covered by the merged cell above
            paragraphs = [_paragraph_text(p) for p in tc.iter(qn("w:p"))]
            row.append("\n".join(p for p in paragraphs if p.strip()))
        rows.append(row)
    return rows


def _body_blocks(document: Document) -> list[Block]:
    numbering = _Numbering(document)
    blocks: list[Block] = []

    def walk(parent: etree._Element) -> None:
        for child in parent.iterchildren():
            if child.tag == qn("w:p"):
                label = numbering.label(child)
                text = (label + _paragraph_text(child)).strip()
                if text:
                    blocks.append(Block(kind="text", text=text))
            elif child.tag == qn("w:tbl"):
                blocks.append(Block(kind="table", rows=_table_rows(child)))
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    walk(content)

    walk(document.element.body)
    return blocks


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a password-protected DOCX is an OLE file
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def check_docx(data: bytes, path: str, limits: Limits) -> None:
    """Refuse a DOCX whose parts unpack past the limit (a zip bomb) before python-docx unpacks it.

    The sizes a zip declares bound what Python's zipfile will unpack (it stops at the declared
    size), so their sum is a safe figure without unpacking anything."""
    if data.startswith(_OLE_MAGIC) and _ENCRYPTION_INFO in data:
        raise InputError(path, "encrypted DOCX: it needs a password to open")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # read_docx says it is not a readable DOCX
    if inflated > limits.max_inflated_bytes:
        raise InputError(
            path,
            f"its parts unpack to {inflated >> 20} MB, over the limit of {limits.max_inflated_mb:g} MB"
            " (--max-inflated-mb)",
        )


def read_docx(data: bytes, path: str) -> tuple[list[Block], dict]:
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise InputError(path, f"not a readable DOCX file ({type(exc).__name__})") from None
    return _body_blocks(document), {}


def read_doc(data: bytes, path: str) -> tuple[list[Block], dict]:
    """Legacy Word 97–2003: convert with LibreOffice, then read as DOCX."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise InputError(path, "legacy .doc needs LibreOffice to convert: 'soffice' is not on the PATH")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.doc"
        source.write_bytes(data)
        try:
            subprocess.run(
                [soffice, "--headless", "--convert-to", "docx", "--outdir", tmp, str(source)],
                check=True,
                capture_output=True,
                timeout=180,
            )
            converted = (Path(tmp) / "report.docx").read_bytes()
        except (subprocess.SubprocessError, OSError):
            raise InputError(path, "LibreOffice could not convert this .doc file") from None
    return read_docx(converted, path)
