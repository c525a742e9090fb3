"""Items: the single problems and measures inside problem and measure paragraphs (LABELS.md).

A paragraph is cut where an enumerator starts a new part — 一是/二是, 1./1、, （1）, ①, （一）
— at the start of the text or after punctuation (so "2020年" or "第1项" never cut). A part that
only introduces the list ("存在的问题：", "改进措施：一是…" before 一是) is a lead-in, not an item;
a lead-in naming problems or measures sets the kind of the items after it, otherwise an item
takes the kind the classifier gives it when choosing between problem and measure only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.pipeline import Pipeline

from nlp.classify import paragraph_rows, predict_proba
from nlp.gold import heading_label
from nlp.models import Item, Paragraph

_CN = "一二三四五六七八九十"
ENUMERATOR_RE = re.compile(
    rf"(?:^|(?<=[。；;：:，,！？\s]))\s*(?P<enum>[{_CN}]{{1,2}}是|[（(]\s*[{_CN}]{{1,2}}\s*[)）]|"
    rf"[（(]\s*\d{{1,2}}\s*[)）]|\d{{1,2}}\s*[.．、](?!\d)|[①-⑳])\s*"
)
_LEAD_IN_END = ("：", ":")
_TRIM = " ；;，,。"
ITEM_KINDS = ("problem", "measure")


def split_parts(text: str) -> list[tuple[bool, str]]:
    """(is_lead_in, text) for each enumerated part of a paragraph, enumerators removed."""
    starts = [m for m in ENUMERATOR_RE.finditer(text)]
    bounds = [(m.start(), m.end()) for m in starts]
    parts: list[tuple[bool, str]] = []
    head_end = bounds[0][0] if bounds else len(text)
    head = text[:head_end].strip(_TRIM)
    if head:
        # Text before the first enumerator introduces the list when a list follows.
        parts.append((bool(bounds) or head.endswith(_LEAD_IN_END), head))
    for k, (_, body_start) in enumerate(bounds):
        end = bounds[k + 1][0] if k + 1 < len(bounds) else len(text)
        body = text[body_start:end].strip(_TRIM)
        if body:
            parts.append((body.endswith(_LEAD_IN_END) and k + 1 < len(bounds), body))
    return parts


def _lead_in_kind(lead_in: str) -> str | None:
    """problem / measure when a lead-in names it ("存在的问题：", "改进措施：", "下一步，…将…：")."""
    label = heading_label(lead_in.rstrip("：:"))
    return label if label in ITEM_KINDS else None


def paragraph_items(model: Pipeline | None, paragraph: Paragraph, index: int) -> list[Item]:
    """The items of one problem or measure paragraph (none for other labels); index = its position."""
    return [item.model_copy(update={"paragraph": index}) for item in report_items(model, [paragraph])]


def _guessed_kinds(model: Pipeline | None, bodies: list[tuple[Paragraph, str]]) -> list[str]:
    """The model's problem/measure reading of every item body, in one call for a whole report."""
    if model is None or not bodies:
        return [p.label if p.label in ITEM_KINDS else "measure" for p, _ in bodies]
    rows = paragraph_rows([{"text": b, "section": p.section, "heading": p.heading} for p, b in bodies])
    proba = predict_proba(model, rows)
    columns = [list(model.classes_).index(k) for k in ITEM_KINDS]
    return [ITEM_KINDS[int(np.argmax(row[columns]))] for row in proba]


def _named_kinds(paragraph: Paragraph, parts: list[tuple[bool, str]]) -> list[str | None]:
    """The kind of each item that a lead-in ("存在的问题：", "改进措施：") or the sub-heading
    names; None where only the model can tell."""
    named = heading_label(paragraph.heading)
    named = named if named in ITEM_KINDS else None
    kinds: list[str | None] = []
    for lead, body in parts:
        if lead:
            named = _lead_in_kind(body) or named
            continue
        kinds.append(named)
    return kinds


def report_items(model: Pipeline | None, paragraphs: Sequence[Paragraph]) -> list[Item]:
    """Items of every paragraph labelled problem or measure, in document order."""
    found: list[tuple[int, Paragraph, list[str], list[str | None]]] = []
    for index, paragraph in enumerate(paragraphs):
        if paragraph.label in ITEM_KINDS:
            parts = split_parts(paragraph.text)
            bodies = [body for lead, body in parts if not lead]
            if bodies:
                found.append((index, paragraph, bodies, _named_kinds(paragraph, parts)))
    unnamed = [
        (p, body)
        for _, p, bodies, named in found
        for body, kind in zip(bodies, named, strict=True)
        if kind is None
    ]
    guessed = iter(_guessed_kinds(model, unnamed))  # the model reads only the items nothing names
    items: list[Item] = []
    for index, paragraph, bodies, named in found:
        items.extend(
            Item(kind=kind or next(guessed), text=body, section=paragraph.section, paragraph=index)  # type: ignore[arg-type]
            for body, kind in zip(bodies, named, strict=True)
        )
    return items
