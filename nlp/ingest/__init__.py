"""Read stage: any supported file → `RawDocument` (text lines and tables in reading order).

Readers are registered per file suffix; each turns bytes into blocks and nothing more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from nlp.errors import InputError
from nlp.files import Limits, path_text, read_input
from nlp.models import Block, RawDocument, SourceFormat
from nlp.normalize import drop_pinyin_glosses, to_simplified

from .html import read_html
from .image import read_image
from .pdf import check_pdf, read_pdf
from .text import decode_text, text_blocks
from .word import check_docx, read_doc, read_docx

Reader = Callable[[bytes, str], tuple[list[Block], dict]]
READERS: dict[str, tuple[SourceFormat, Reader]] = {}
# Checks of a format's own limits (pages, unpacked size) made before its reader runs.
Precheck = Callable[[bytes, str, Limits], None]
PRECHECKS: dict[str, Precheck] = {".pdf": check_pdf, ".docx": check_docx}


def register(suffixes: tuple[str, ...], fmt: SourceFormat) -> Callable[[Reader], Reader]:
    def wrap(fn: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix] = (fmt, fn)
        return fn

    return wrap


@register((".txt", ".text", ".md"), "txt")
def read_text(data: bytes, path: str) -> tuple[list[Block], dict]:
    text, encoding = decode_text(data, path)
    return text_blocks(text), {"encoding": encoding}


register((".pdf",), "pdf")(read_pdf)
register((".docx",), "docx")(read_docx)
register((".doc",), "doc")(read_doc)
register((".html", ".htm", ".shtml", ".xhtml"), "html")(read_html)
register((".jpg", ".jpeg", ".png", ".tif", ".tiff"), "image")(read_image)


def is_traditional(blocks: list[Block], sample: int = 3000) -> bool:
    """True when a clear share of the Han characters change under traditional → simplified."""
    text = "".join(b.text or "".join("".join(r) for r in b.rows) for b in blocks)[: sample * 3]
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"][:sample]
    if len(han) < 20:
        return False
    changed = sum(1 for ch in han if to_simplified(ch) != ch)
    return changed / len(han) > 0.05


def simplified_block(block: Block) -> Block:
    return block.model_copy(
        update={
            "text": drop_pinyin_glosses(to_simplified(block.text)),
            "rows": [[drop_pinyin_glosses(to_simplified(cell)) for cell in row] for row in block.rows],
        }
    )


def supported_suffixes() -> tuple[str, ...]:
    return tuple(sorted(READERS))


def simplified_blocks(blocks: list[Block]) -> tuple[list[Block], bool]:
    """Blocks in simplified characters, and whether they were traditional."""
    if is_traditional(blocks):
        return [simplified_block(b) for b in blocks], True
    return blocks, False


def read_document(path: str | Path, limits: Limits | None = None) -> RawDocument:
    """Read one file within the limits (default: `Limits.from_env()`); raises InputError naming the
    file and the problem."""
    p = Path(path)
    name = path_text(path)
    try:
        if p.is_dir():
            raise InputError(name, "is a directory, not a report file")
        if not p.exists():
            raise InputError(name, "no such file")
    except PermissionError as exc:  # a folder on the way that this user may not open
        raise InputError(name, f"cannot read file ({exc.strerror})") from None
    suffix = p.suffix.lower()
    if suffix not in READERS:
        known = ", ".join(supported_suffixes())
        raise InputError(name, f"unsupported file type '{suffix or '(none)'}' (supported: {known})")
    limits = limits or Limits.from_env()
    data = read_input(p, limits)
    if not data.strip():
        raise InputError(name, "empty file")
    if (precheck := PRECHECKS.get(suffix)) is not None:
        precheck(data, name, limits)
    fmt, reader = READERS[suffix]
    if suffix == ".md":
        fmt = "md"
    blocks, info = reader(data, name)
    warnings = list(info.get("warnings", []))
    blocks, converted = simplified_blocks(blocks)
    if converted:
        warnings.append("traditional_chinese: text converted to simplified characters before matching")
    return RawDocument(
        path=name,
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=info.get("encoding"),
        pages=info.get("pages"),
        blocks=blocks,
        warnings=warnings,
    )
