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

from nlp.classify import paragraph_rows
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
    """The items of a problem or measure paragraph (none for other labels); index = its position."""
    if paragraph.label not in ITEM_KINDS:
        return []
    parts = split_parts(paragraph.text)
    items = [body for lead, body in parts if not lead]
    if not items:
        return []
    kinds = _item_kinds(model, paragraph, parts)
    return [
        Item(kind=kind, text=body, section=paragraph.section, paragraph=index)  # type: ignore[arg-type]
        for body, kind in zip(items, kinds, strict=True)
    ]


def _item_kinds(model: Pipeline | None, paragraph: Paragraph, parts: list[tuple[bool, str]]) -> list[str]:
    bodies = [body for lead, body in parts if not lead]
    default = paragraph.label if paragraph.label in ITEM_KINDS else "measure"
    if model is not None:
        rows = paragraph_rows(
            [{"text": b, "section": paragraph.section, "heading": paragraph.heading} for b in bodies]
        )
        proba = model.predict_proba(rows)
        columns = [list(model.classes_).index(k) for k in ITEM_KINDS]
        guessed = [ITEM_KINDS[int(np.argmax(row[columns]))] for row in proba]
    else:
        guessed = [default] * len(bodies)
    kinds: list[str] = []
    named: str | None = (
        heading_label(paragraph.heading) if heading_label(paragraph.heading) in ITEM_KINDS else None
    )
    k = 0
    for lead, body in parts:
        if lead:
            named = _lead_in_kind(body) or named
            continue
        kinds.append(named or guessed[k])
        k += 1
    return kinds


def report_items(model: Pipeline | None, paragraphs: Sequence[Paragraph]) -> list[Item]:
    """Items of every paragraph labelled problem or measure, in document order."""
    items: list[Item] = []
    for index, paragraph in enumerate(paragraphs):
        items.extend(paragraph_items(model, paragraph, index))
    return items
