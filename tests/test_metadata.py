"""Organ, level and year on 327 real page excerpts from every province (../shared/corpus).

The excerpts are web pages as crawled: breadcrumbs, metadata panels, traditional-character
mirrors, pinyin glosses, reports without a title line. The figures are floors measured when
the detection was written (year 323/326, organ 226/313, level 232/324; province 292/325 and
none wrong, 133 before the list of divisions); a change that lowers them is a regression. An organ counts as right when it is the labelled name or a shorter form
of it that the page prints ("建宁乡人民政府" for "高平市建宁乡人民政府").
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest

from nlp.read.document import simplified_blocks
from nlp.read.text import text_blocks
from nlp.structure.meta import describe, places_of, provinces_of_place, region_of
from nlp.structure.sections import find_paragraphs, find_sections


def test_metadata_on_real_page_excerpts(shared):
    records = [json.loads(line) for line in (shared / "corpus" / "pages.jsonl").open(encoding="utf-8")]
    right = {"year": 0, "organ": 0, "level": 0, "province": 0}
    total = {"year": 0, "organ": 0, "level": 0, "province": 0}
    wrong_provinces = []
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
        if record["province"]:  # labelled by its short name: 江苏, 内蒙古
            total["province"] += 1
            found = meta.region.province or ""
            right["province"] += found.startswith(record["province"])
            if found and not found.startswith(record["province"]):
                wrong_provinces.append((record["url"], record["province"], found))
    assert total == {"year": 326, "organ": 313, "level": 324, "province": 325}
    assert right["year"] >= 323
    assert right["organ"] >= 226
    assert right["level"] >= 232
    assert right["province"] >= 292
    assert wrong_provinces == []


@pytest.mark.parametrize(
    ("organ", "places", "province"),
    [
        ("淮安市洪泽区人民政府", ["淮安市", "洪泽区"], "江苏省"),
        ("洪泽区人民政府", ["洪泽区"], "江苏省"),  # the same organ the year before, named shorter
        ("朔州市人民政府办公室", ["朔州市"], "山西省"),  # not 朔州 + 市
        ("沙县湖源乡人民政府", ["沙县", "湖源乡"], "福建省"),  # 沙县 before it became 沙县区 (2021)
        ("平潭综合实验区管理委员会", ["平潭综合实验区"], "福建省"),  # a zone named after 平潭县
        ("沐阳县人民政府", ["沐阳县"], "江苏省"),  # OCR read 沭 as 沐
        ("鼓楼区人民政府", ["鼓楼区"], None),  # three provinces have one; the text does not say
    ],
)
def test_the_province_of_an_organ_is_read_off_its_places(organ, places, province):
    assert places_of(organ) == places
    assert region_of(organ, "").province == province


def test_a_name_several_provinces_have_is_placed_by_the_text():
    assert provinces_of_place("鼓楼区") == {"江苏省", "福建省", "河南省"}
    assert region_of("鼓楼区人民政府", "福州市鼓楼区…福建省政务公开工作要点").province == "福建省"
    # a province the text cites does not override the one the organ's name gives
    assert region_of("孝感市人民政府办公室", "学习江苏省江苏省的经验").province == "湖北省"


def test_townships_are_placed_by_the_divisions_their_text_names():
    text = "丰城市石江乡人民政府2020年政府信息公开工作年度报告……在丰城市人民政府门户网站公开"
    assert region_of("石江乡人民政府", text).province == "江西省"
    assert region_of("石江乡人民政府", "我乡推进政务公开").province is None  # nothing to go on


def test_every_real_report_has_its_province_and_one_organ_keeps_it_across_years(results):
    with closing(sqlite3.connect(results / "xxgk.sqlite")) as db:
        rows = db.execute("SELECT path, organ, year, province FROM reports").fetchall()
    province = {path.rsplit("/", 1)[-1]: p for path, _organ, _year, p in rows}
    jiangsu = [
        "huaian_gov_2024.pdf",
        "hongze_gov_2023.pdf",
        "hongze_gov_2024.pdf",
        "shuyang_gov_2025_ocr.txt",
    ]
    assert {name: province[name] for name in jiangsu} == dict.fromkeys(jiangsu, "江苏省")
    pingtan = {p for path, organ, _year, p in rows if "pingtan" in path}
    assert pingtan == {"福建省"}  # 2024's text never names 福建
    by_place: dict[str, set[str | None]] = {}
    for _path, organ, _year, found in rows:
        if organ:
            by_place.setdefault(places_of(organ)[-1] if places_of(organ) else organ, set()).add(found)
    assert all(len(found) == 1 for found in by_place.values()), by_place
