"""Typed data passed between the stages (read → structure → tables → checks → output).

The JSON document of a report is `Report.model_dump(mode="json")`; docs/schema.md describes it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

SCHEMA_VERSION = "1.0"

SourceFormat = Literal["txt", "md", "pdf", "docx", "doc", "html", "image"]
CellStatus = Literal[
    "explicit_number",
    "explicit_zero",
    "blank",
    "dash_or_slash",
    "text_none",
    "unparsable",
    "missing",
    "ambiguous",
    "inferred",
]
CheckStatus = Literal["pass", "fail", "missing_total", "not_assessable"]
Template = Literal["v2019", "v2021", "mixed", "unknown", "pre2019"]
Level = Literal["township", "county", "city", "province", "department", "unknown"]
TableStatus = Literal["filled", "not_filled", "absent"]


# ---------------------------------------------------------------- read stage


OcrVerdict = Literal["confirmed", "unchecked", "questioned", "alternative_fits"]


class OcrReading(BaseModel):
    """How OCR read a value (docs/schema.md, docs/ocr.md): the engine's confidence, the other
    readings it allows, and what the identities R1–R4 say of it (set by the checks stage)."""

    confidence: float
    alternatives: list[str] = Field(default_factory=list)
    verdict: OcrVerdict | None = None
    suggested: str | None = None  # alternative_fits: the one reading that makes its row and column hold
    certain: bool = False


class Block(BaseModel):
    """A unit of the document in reading order: a line of text or a table as rows of cell text."""

    kind: Literal["text", "table"]
    text: str = ""
    rows: list[list[str]] = Field(default_factory=list)
    page: int | None = None
    # Tables read from a scan: the OCR reading of each cell of `rows` (None for an empty cell).
    ocr: list[list[OcrReading | None]] | None = None


class RawDocument(BaseModel):
    path: str
    format: SourceFormat
    sha256: str
    encoding: str | None = None
    pages: int | None = None
    blocks: list[Block]
    warnings: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- structure stage


class Subheading(BaseModel):
    """（一）… is level 1, 1.… level 2, （1）/① level 3, 一是… level 4."""

    level: int
    text: str


class Section(BaseModel):
    key: str
    title: str
    ordinal: int
    block_start: int
    block_end: int  # exclusive
    subheadings: list[Subheading] = Field(default_factory=list)
    # No title line in the document (lost in extraction): the section starts at its first
    # sub-heading, and `title` is the template's.
    untitled: bool = False


# Below this a paragraph's label is shown as uncertain (`xxgk show`, the review pages).
LOW_CONFIDENCE = 0.5


class Paragraph(BaseModel):
    text: str
    section: str | None
    heading: str | None = None  # the nearest sub-heading above it
    headings: list[str] = Field(default_factory=list)  # every sub-heading above it, the outermost first
    label: str | None = None
    confidence: float | None = None
    rule: str | None = None  # the LABELS.md rule (nlp.classify.label_rules) that decided the label, if one did


class SignOff(BaseModel):
    """The report's 落款: the issuing organ's name on a line of its own and the date, at its end.
    Never a paragraph, never an item."""

    organ: str | None = None
    date: str | None = None  # as printed ("2026年1月23日")
    text: str


class Region(BaseModel):
    province: str | None = None
    places: list[str] = Field(default_factory=list)


class Meta(BaseModel):
    title: str | None = None
    organ: str | None = None
    level: Level = "unknown"
    region: Region = Field(default_factory=Region)
    year: int | None = None
    template: Template = "unknown"
    template_signals: dict[str, list[str]] = Field(default_factory=dict)


# ---------------------------------------------------------------- tables stage


class Cell(BaseModel):
    value: int | float | None
    raw: str | None
    status: CellStatus
    unit: str | None = None
    confidence: float | None = None
    ocr: OcrReading | None = None  # read from a scan: how (confidence is then the engine's)

    @model_serializer(mode="wrap")
    def _without_empty_ocr(self, handler: SerializerFunctionWrapHandler) -> dict:
        """`ocr` appears only on values read from a scan; other documents keep their JSON."""
        data = handler(self)
        if data.get("ocr") is None:
            data.pop("ocr", None)
        return data


# ---------------------------------------------------------------- checks stage


class CheckResult(BaseModel):
    id: str
    rule: str
    cells: list[str]
    # For an identity (R1–R4, X1–X3): the first `totals` keys of `cells` add up to `lhs`, the
    # rest to `rhs`, so the equation can be written out term by term.
    totals: int | None = None
    lhs: float | int | None
    rhs: float | int | None
    status: CheckStatus
    message: str


class Alternative(BaseModel):
    """The splits still possible for a row of a flattened table (its cells are `ambiguous`):
    each option gives one value per key. Another year's report can decide between them."""

    keys: list[str]
    options: list[list[int | float]]


class Item(BaseModel):
    kind: Literal["problem", "measure"]
    text: str
    section: str | None = None
    paragraph: int


# ---------------------------------------------------------------- the report


class SourceInfo(BaseModel):
    path: str
    format: SourceFormat
    sha256: str
    encoding: str | None = None
    pages: int | None = None


class Report(BaseModel):
    schema_version: str = SCHEMA_VERSION
    source: SourceInfo
    meta: Meta
    sections: list[Section]
    paragraphs: list[Paragraph]
    tables: dict[str, TableStatus]
    cells: dict[str, Cell]
    checks: list[CheckResult]
    items: list[Item] = Field(default_factory=list)
    signoff: SignOff | None = None
    alternatives: list[Alternative] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "fail"]
