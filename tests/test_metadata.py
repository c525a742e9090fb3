"""Organ, level and year on 327 real page excerpts from every province (../shared/corpus).

The excerpts are web pages as crawled: breadcrumbs, metadata panels, traditional-character
mirrors, pinyin glosses, reports without a title line. The figures are floors measured when
the detection was written (year 323/326, organ 226/313, level 232/324); a change that lowers
them is a regression. An organ counts as right when it is the labelled name or a shorter form
of it that the page prints ("建宁乡人民政府" for "高平市建宁乡人民政府").
"""

from __future__ import annotations

import json

from nlp.ingest import simplified_blocks
from nlp.ingest.text import text_blocks
from nlp.meta import describe
from nlp.structure import find_paragraphs, find_sections


def test_metadata_on_real_page_excerpts(shared):
    records = [json.loads(line) for line in (shared / "corpus" / "pages.jsonl").open(encoding="utf-8")]
    right = {"year": 0, "organ": 0, "level": 0}
    total = {"year": 0, "organ": 0, "level": 0}
    for record in records:
        blocks, _ = simplified_blocks(text_blocks(record["text"]))
        sections = find_sections(blocks)
        _, title = find_paragraphs(blocks, sections)
        meta = describe(blocks, title, None, {})
        if record["year"]:
            total["year"] += 1
            right["year"] += meta.year == record["year"]
        if record["organ"]:
            total["organ"] += 1
            organ = meta.organ or ""
            right["organ"] += bool(organ) and (
                record["organ"].endswith(organ) or organ.endswith(record["organ"])
            )
        if record["level"] != "unknown":
            total["level"] += 1
            right["level"] += meta.level == record["level"]
    assert total == {"year": 326, "organ": 313, "level": 324}
    assert right["year"] >= 323
    assert right["organ"] >= 226
    assert right["level"] >= 232
