"""Parsing one table cell's text into a value with provenance (TEMPLATES.md §7.6, §8 V5–V11)."""

from __future__ import annotations

import re

from nlp.models import Cell, OcrReading
from nlp.read.normalize import nfkc

_NUMBER_RE = re.compile(
    r"^(?P<sign>[+\-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?"
    r"(?P<unit>万元|元|件|条|个|项|次|宗|人次)?(?P<note>[(（].*[)）])?$"
)
_DASH_RE = re.compile(r"^[-—–－/／\\_]+$")
_NONE_WORDS = frozenset({"无", "没有", "暂无"})


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", nfkc(text))


class OcrText(str):
    """A cell's text read from a scan; the cell parsed from it keeps the reading."""

    reading: OcrReading

    def __new__(cls, text: str, reading: OcrReading) -> OcrText:
        obj = super().__new__(cls, text)
        obj.reading = reading
        return obj


def parse_cell(raw: str) -> Cell:
    """Value, unit and status of a cell as written; never turns text into a number."""
    cell = _parse(raw)
    if isinstance(raw, OcrText):
        cell.ocr = raw.reading.model_copy(deep=True)
        cell.confidence = raw.reading.confidence
    return cell


def _parse(raw: str) -> Cell:
    text = _squeeze(raw)
    if not text:
        return Cell(value=None, raw=raw, status="blank")
    if _DASH_RE.match(text):
        return Cell(value=None, raw=raw, status="dash_or_slash")
    if text in _NONE_WORDS:
        return Cell(value=None, raw=raw, status="text_none")
    m = _NUMBER_RE.match(text)
    if not m:
        return Cell(value=None, raw=raw, status="unparsable")
    digits = m["int"].replace(",", "")
    value: int | float = float(digits + m["dec"]) if m["dec"] else int(digits)
    if m["sign"] == "-":
        value = -value
    if isinstance(value, float) and value.is_integer() and set(m["dec"][1:]) == {"0"}:
        value = int(value)
    status = "explicit_zero" if value == 0 else "explicit_number"
    return Cell(value=value, raw=raw, status=status, unit=m["unit"])


def is_value_like(raw: str) -> bool:
    """True for cells that hold a value (number, blank, dash, 无) rather than a label."""
    return parse_cell(raw).status != "unparsable"


def is_numeric(raw: str) -> bool:
    return parse_cell(raw).status in ("explicit_number", "explicit_zero")
