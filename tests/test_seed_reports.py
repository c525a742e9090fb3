"""The five bundled reports, compared with values read off them by hand (tests/gold/seeds)."""

from __future__ import annotations

from functools import cache

import pytest

from nlp.batch.pipeline import analyze_file
from nlp.models import Report
from nlp.tables import template as tpl

from .conftest import gold_source, load_gold

SEEDS = load_gold("seeds")
IDS = [g["_name"] for g in SEEDS]


@cache
def analyzed(name: str) -> Report:
    gold = next(g for g in SEEDS if g["_name"] == name)
    return analyze_file(gold_source(gold))


def test_there_are_five_seed_gold_files():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("gold", SEEDS, ids=IDS)
def test_every_table_cell_matches_the_document(gold):
    report = analyzed(gold["_name"])
    wrong = {}
    for key, expected in gold["cells"].items():
        value, status = expected[0], expected[1]
        unit = expected[2] if len(expected) > 2 else None
        cell = report.cells.get(key)
        got = None if cell is None else [cell.value, cell.status, cell.unit]
        if got != [value, status, unit]:
            wrong[key] = (expected, got)
    assert not wrong, f"{len(wrong)} cells differ: {list(wrong.items())[:5]}"
    assert len(gold["cells"]) == 198  # v2019: 22 + 161 + 15


@pytest.mark.parametrize("gold", SEEDS, ids=IDS)
def test_section_titles_as_printed(gold):
    report = analyzed(gold["_name"])
    found = {s.key: s.title for s in report.sections if not s.untitled}  # title lines of the document
    for key, title in gold["sections"].items():
        assert found.get(key) == title, key


@pytest.mark.parametrize("gold", SEEDS, ids=IDS)
def test_organ_level_year_and_template(gold):
    meta = analyzed(gold["_name"]).meta
    assert meta.organ == gold["meta"]["organ"]
    assert meta.level == gold["meta"]["level"]
    assert meta.year == gold["meta"]["year"]
    assert meta.template == gold["meta"]["template"]


@pytest.mark.parametrize("gold", SEEDS, ids=IDS)
def test_table_statuses(gold):
    assert analyzed(gold["_name"]).tables == gold["tables"]


@pytest.mark.parametrize("gold", SEEDS, ids=IDS)
def test_exactly_the_true_errors_fail(gold):
    report = analyzed(gold["_name"])
    failed = sorted(c.id for c in report.checks if c.status == "fail")
    assert failed == sorted(gold["checks_failed"])
    statuses = {c.id: c.status for c in report.checks}
    for check_id, status in gold.get("checks_status", {}).items():
        assert statuses.get(check_id) == status, check_id


def test_shijiang_total_column_contradicts_natural_persons():
    report = analyzed("shijiang-township_2020")
    r3 = {c.id: c for c in report.checks if c.rule == "R3" and c.status == "fail"}
    assert set(r3) == {"R3.new_received", "R3.granted", "R3.result_total"}
    check = r3["R3.new_received"]
    assert (check.lhs, check.rhs) == (0, 1)
    assert "t3.new_received.total" in check.cells and "t3.new_received.natural_person" in check.cells


@pytest.mark.parametrize("name", ["shijiang-township_2020", "changfu-town_2020"])
def test_prose_says_no_request_while_the_table_counts_one(name):
    n2 = next(c for c in analyzed(name).checks if c.id == "N2")
    assert n2.status == "fail"
    assert n2.lhs == 1 and n2.rhs == 0
    assert "未收到" in n2.message


def test_huyuan_lost_rows_are_missing_not_zero():
    report = analyzed("huyuan-township_2020")
    assert report.cells["t3.result_total.total"].status == "missing"
    assert report.cells["t3.result_total.total"].value is None
    r1 = next(c for c in report.checks if c.id == "R1.total")
    assert r1.status == "not_assessable"


def test_huyuan_section_four_is_found_at_its_table_though_its_title_was_lost():
    report = analyzed("huyuan-township_2020")
    s4 = next(s for s in report.sections if s.key == "s4_review_litigation")
    assert s4.untitled
    assert [s.key for s in report.sections] == [spec.key for spec in tpl.SECTIONS]
    assert any(w.startswith("section_titles_not_found: s4_review_litigation") for w in report.warnings)
    assert not any(w.startswith("sections_not_found") for w in report.warnings)
    assert report.tables["t4"] == "filled"


def test_short_rows_are_ambiguous_not_shifted():
    report = analyzed("daoshi-town_2020")
    cells = [report.cells[f"t3.other.{c}"] for c in ("natural_person", "total")]
    assert all(c.status == "ambiguous" for c in cells)
    assert any("ambiguous_row" in w for w in report.warnings)


def test_paragraphs_keep_section_and_subheading():
    report = analyzed("shijiang-township_2020")
    first = next(p for p in report.paragraphs if p.text.startswith("（四）公开平台建设"))
    assert first.section == "s1_overview"
    assert first.heading == "公开平台建设"
    problems = [p for p in report.paragraphs if p.section == "s5_problems"]
    assert [p.heading for p in problems] == ["存在的问题", "改进措施"]


def test_subheadings_of_each_level_are_listed():
    overview = next(s for s in analyzed("zaoling-township_2020").sections if s.key == "s1_overview")
    found = [(h.level, h.text) for h in overview.subheadings]
    assert (1, "建立健全政务信息公开工作机制") in found
    assert (4, "强化组织领导") in found
    assert (2, "主动公开政务信息情况") in found


def test_table_fragments_are_not_paragraphs():
    report = analyzed("huyuan-township_2020")
    assert not [p for p in report.paragraphs if p.section in ("s2_proactive", "s3_requests")]
