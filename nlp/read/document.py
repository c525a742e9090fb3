"""Reading any supported file into a `RawDocument`: the readers registered per suffix (`READERS`), each
imported when a file of its format is read, within `files.Limits`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from nlp.errors import InputError
from nlp.models import Block, RawDocument, SourceFormat
from nlp.read.files import Limits, path_text, read_input
from nlp.read.normalize import drop_pinyin_glosses, to_simplified

Reader = Callable[[bytes, str], tuple[list[Block], dict]]
Precheck = Callable[[bytes, str, Limits], None]


@dataclass(frozen=True)
class ReaderSpec:
    """A format's reader, and the check of its own limits (pages, unpacked size) made before it
    runs, named as "module:function" and imported on first use: reading a text report never
    imports pdfplumber, python-docx, lxml or the OCR engine."""

    format: SourceFormat
    reader: str
    precheck: str | None = None

    def load(self, name: str | None) -> Callable:
        module, function = name.split(":")  # type: ignore[union-attr]
        return getattr(import_module(module, __package__), function)


READERS: dict[str, ReaderSpec] = {}


def register(suffixes: tuple[str, ...], spec: ReaderSpec) -> None:
    for suffix in suffixes:
        READERS[suffix] = spec


register((".txt", ".text", ".md"), ReaderSpec("txt", ".text:read_text"))
register((".pdf",), ReaderSpec("pdf", ".pdf:read_pdf", ".pdf:check_pdf"))
register((".docx",), ReaderSpec("docx", ".word:read_docx", ".word:check_docx"))
register((".doc",), ReaderSpec("doc", ".word:read_doc"))
register((".html", ".htm", ".shtml", ".xhtml"), ReaderSpec("html", ".html:read_html"))
register((".jpg", ".jpeg", ".png", ".tif", ".tiff"), ReaderSpec("image", ".image:read_image"))


def import_readers() -> None:
    """Import every reader now (a batch's forkserver: its workers then share them)."""
    for spec in set(READERS.values()):
        for name in (spec.reader, spec.precheck):
            if name:
                spec.load(name)


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
    spec = READERS[suffix]
    if spec.precheck is not None:
        spec.load(spec.precheck)(data, name, limits)
    fmt: SourceFormat = "md" if suffix == ".md" else spec.format
    blocks, info = spec.load(spec.reader)(data, name)
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
