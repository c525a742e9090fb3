"""Real published reports from ../shared/realdocs, compared cell by cell with hand-read gold.

Most documents are read exactly. One Markdown file is an extraction so shredded that two
表二 values were pulled out of their rows; for it the test pins how many cells are read and,
above all, that no cell carries a wrong number: what cannot be placed is `ambiguous`, never
a guess.
"""

from __future__ import annotations

from functools import cache

import pytest

from nlp.batch.pipeline import analyze_file
from nlp.checks.compare import compare_reports, resolve_across_years
from nlp.models import Report

from .conftest import gold_source, load_gold

REALDOCS = load_gold("realdocs")
IDS = [g["_name"] for g in REALDOCS]
# Cells read right in the two shredded extractions (all others: every cell).
SHREDDED_FLOOR = {"shanghai_gov_office_2025_extracted": 194}
# Flattened 2019/2020 pages: these cells need the other year's report (X2 chain) to split.
NEEDS_OTHER_YEAR = {"pingtan_2019_flattened": 14, "pingtan_2020_flattened": 5}


@cache
def analyzed(name: str) -> Report:
    gold = next(g for g in REALDOCS if g["_name"] == name)
    return analyze_file(gold_source(gold))


def _cell_diff(gold: dict, report: Report) -> tuple[list[str], list[str]]:
    """(keys read differently, keys given a wrong number)."""
    differ, wrong = [], []
    for key, expected in gold["cells"].items():
        value, status = expected[0], expected[1]
        unit = expected[2] if len(expected) > 2 else None
        cell = report.cells[key]
        if [cell.value, cell.status, cell.unit] != [value, status, unit]:
            differ.append(key)
            if cell.value is not None and cell.value != value:
                wrong.append(key)
    return differ, wrong


def test_every_document_in_realdocs_has_gold(shared):
    documents = {
        p.name for p in (shared / "realdocs").iterdir() if p.suffix != ".md" or "extracted" in p.name
    }
    documents.discard("MANIFEST.md")
    assert {g["file"].split("/")[-1] for g in REALDOCS} == documents


@pytest.mark.parametrize("gold", REALDOCS, ids=IDS)
def test_cells_match_the_document(gold, shared):
    report = analyzed(gold["_name"])
    differ, wrong = _cell_diff(gold, report)
    assert wrong == [], f"cells with a wrong number: {wrong}"
    name = gold["_name"]
    right = len(gold["cells"]) - len(differ)
    if name in SHREDDED_FLOOR:
        assert right >= SHREDDED_FLOOR[name]
    elif name in NEEDS_OTHER_YEAR:
        assert len(differ) <= NEEDS_OTHER_YEAR[name]
        assert all(report.cells[k].status == "ambiguous" for k in differ)
    else:
        assert differ == [], f"{len(differ)} cells differ, e.g. {differ[:5]}"


@pytest.mark.parametrize("gold", REALDOCS, ids=IDS)
def test_meta_sections_and_tables(gold, shared):
    report = analyzed(gold["_name"])
    for field in ("organ", "level", "year", "template"):
        assert getattr(report.meta, field) == gold["meta"][field], field
    found = {s.key: s.title for s in report.sections if not s.untitled}  # title lines of the document
    for key, title in gold["sections"].items():
        assert found.get(key) == title, key
    assert report.tables == gold["tables"]


@pytest.mark.parametrize("gold", REALDOCS, ids=IDS)
def test_true_errors_fail_and_consistent_tables_raise_no_alarm(gold, shared):
    report = analyzed(gold["_name"])
    failed = sorted(c.id for c in report.checks if c.status == "fail")
    assert failed == sorted(gold["checks_failed"])
    statuses = {c.id: c.status for c in report.checks}
    for check_id, status in gold.get("checks_status", {}).items():
        got = statuses.get(check_id)
        if got is None:
            # Prose checks run only on claims the prose makes; plausibility checks only where
            # they apply. Not run means neither failed nor assessed.
            assert check_id[0] in "NP" and status in ("not_assessable", "pass"), check_id
        else:
            assert got == status, check_id


def test_hongze_2023_review_table_does_not_add_up(shared):
    checks = {c.id: c for c in analyzed("hongze_gov_2023").checks}
    assert checks["R4.review"].status == "fail"
    assert (checks["R4.review"].lhs, checks["R4.review"].rhs) == (0, 11)
    assert checks["R4.suit_after_review"].status == "fail"


def test_shanghai_2019_prose_counts_match_where_they_count_the_same_thing(shared):
    checks = {c.id: c for c in analyzed("shanghai_gov_office_2019").checks}
    assert checks["N1"].status == "pass" and checks["N1"].rhs == 859
    assert checks["N6"].status == "pass" and checks["N6"].rhs == 805
    blank_totals = [c for c in analyzed("shanghai_gov_office_2019").checks if c.status == "missing_total"]
    assert len(blank_totals) == 11  # the 总计 column left blank on the outcome rows (V6)


def test_blank_template_is_not_filled_not_zero(shared):
    report = analyzed("TEMPLATE_blank_2021_format")
    assert report.tables == {"t2": "not_filled", "t3": "not_filled", "t4": "not_filled"}
    assert all(c.value is None for c in report.cells.values())
    assert all(c.status == "not_assessable" for c in report.checks if c.rule in ("R1", "R2", "R3", "R4"))
    assert "table_not_filled: t3" in report.warnings


def test_flattened_runs_are_split_and_say_so(shared):
    report = analyzed("pingtan_2024_flattened")
    cell = report.cells["t4.suit_after_review.total"]
    assert (cell.value, cell.status) == (19, "inferred") and cell.confidence is not None
    fixed_by_prose = report.cells["t2.art20_1.normative_docs.issued"]
    assert (fixed_by_prose.value, fixed_by_prose.status) == (62, "inferred")
    assert report.cells["t2.art20_1.normative_docs.in_force"].status == "ambiguous"
    assert any(w.startswith("flattened_ambiguous") for w in report.warnings)


def test_negative_change_inside_a_run(shared):
    report = analyzed("pingtan_2020_flattened")
    cell = report.cells["t2.art20_6.admin_penalty.prev_year_items"]
    assert (cell.value, cell.status) == (2648, "explicit_number")


def test_compare_hongze_2023_and_2024(shared):
    comparison = compare_reports(analyzed("hongze_gov_2024"), analyzed("hongze_gov_2023"))
    assert comparison.years == (2023, 2024) and comparison.same_organ and comparison.consecutive
    statuses = {c.id: c.status for c in comparison.checks}
    assert all(statuses[f"X1.{c}"] == "pass" for c in ("natural_person", "total"))
    assert statuses["X3.normative_docs"] == "pass"
    changes = {c.key: c for c in comparison.changes}
    assert changes["t2.art20_1.normative_docs.in_force"].delta == 3
    assert changes["t3.new_received.total"].after == 95


def test_the_other_years_report_decides_the_flattened_cells_one_year_leaves_open(shared):
    """pingtan 2019 and 2020: 上一年项目数量 + 本年增/减 (2019) = 上一年项目数量 (2020), and
    对外公开总数量 runs on, so the two pages together split every run the gold reads."""
    earlier, later, resolved = resolve_across_years(
        analyzed("pingtan_2019_flattened"), analyzed("pingtan_2020_flattened")
    )
    assert len(resolved) == sum(NEEDS_OTHER_YEAR.values())
    for report, name in ((earlier, "pingtan_2019_flattened"), (later, "pingtan_2020_flattened")):
        gold = next(g for g in REALDOCS if g["_name"] == name)
        differ, wrong = _cell_diff(gold, report)
        assert (differ, wrong) == ([], [])
