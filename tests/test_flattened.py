"""Flattened tables (nlp/tables/flattened.py) whose source decides every cell although a rule fails or
a row is short: the pingtan 2021 page of ../shared/realdocs, changed the way real pages differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.batch.pipeline import analyze_file
from nlp.models import Report

T4_RUN = "10203120001200000"
CARRIED_OVER = "二、上年结转政府信息公开申请数量0000000"
UNCLEAR = "3.补正后申请内容仍不明确0000000"


@pytest.fixture
def page(shared: Path) -> str:
    text = (shared / "realdocs" / "pingtan_2021_flattened.txt").read_text(encoding="utf-8")
    assert T4_RUN in text and CARRIED_OVER in text and UNCLEAR in text
    return text


def _analyze(tmp_path: Path, text: str) -> Report:
    path = tmp_path / "flat.txt"
    path.write_text(text, encoding="utf-8")
    return analyze_file(path)


def test_the_only_split_is_taken_when_it_breaks_r4(tmp_path, page):
    # 行政复议 维持 1 … 总计 0: fifteen digits for fifteen cells split one way only.
    report = _analyze(tmp_path, page.replace(T4_RUN, "100000000000000"))
    cells = report.cells
    assert (cells["t4.review.upheld"].value, cells["t4.review.total"].value) == (1, 0)
    assert all(cells[k].value == 0 for k in cells if k.startswith("t4.") and k != "t4.review.upheld")
    checks = {c.id: c for c in report.checks}
    assert checks["R4.review"].status == "fail" and (checks["R4.review"].lhs, checks["R4.review"].rhs) == (
        0,
        1,
    )
    assert checks["R4.suit_direct"].status == "pass"
    assert any(w.startswith("flattened_t4_inconsistent") for w in report.warnings)


def test_a_broken_r4_with_several_splits_reads_only_what_every_split_agrees_on(tmp_path, page):
    # 16 digits for 15 cells: 11|0|… or 1|10|…, and neither makes the totals add up.
    report = _analyze(tmp_path, page.replace(T4_RUN, "1100000000000000"))
    cells = report.cells
    assert [cells[f"t4.review.{c}"].status for c in ("upheld", "corrected")] == ["ambiguous", "ambiguous"]
    assert all(cells[k].value == 0 for k in cells if k.startswith("t4.") and cells[k].status != "ambiguous")
    assert {c.id: c.status for c in report.checks}["R4.review"] == "not_assessable"
    (t4,) = [a.options for a in report.alternatives if a.keys[0].startswith("t4.")]
    assert sorted(t4) == [[1, 10] + [0] * 13, [11] + [0] * 14]


def test_a_row_printed_without_values_is_blank_and_the_columns_stay_assessable(tmp_path, page):
    report = _analyze(tmp_path, page.replace(CARRIED_OVER, "二、上年结转政府信息公开申请数量"))
    row = [report.cells[f"t3.carried_over.{c}"] for c in ("natural_person", "org_other", "total")]
    assert all((c.value, c.status) == (None, "blank") for c in row)
    statuses = {c.id: c.status for c in report.checks}
    assert statuses["R1.total"] == "pass" and statuses["R3.carried_over"] == "pass"


def test_a_zero_row_with_a_digit_missing_reads_as_zeros(tmp_path, page):
    report = _analyze(tmp_path, page.replace(UNCLEAR, "3.补正后申请内容仍不明确0 00000"))
    row = [v for k, v in report.cells.items() if k.startswith("t3.unable_still_unclear.")]
    assert len(row) == 7 and all((c.value, c.status) == (0, "inferred") for c in row)
    statuses = {c.id: c.status for c in report.checks}
    assert statuses["R2.total"] == "pass" and statuses["R3.unable_still_unclear"] == "pass"
    assert any(w.startswith("flattened_zero_row") for w in report.warnings)


def test_a_short_row_that_is_not_all_zeros_stays_unread(tmp_path, page):
    report = _analyze(tmp_path, page.replace(UNCLEAR, "3.补正后申请内容仍不明确0 10000"))
    row = [v for k, v in report.cells.items() if k.startswith("t3.unable_still_unclear.")]
    assert all(c.value is None for c in row)


def test_the_prose_in_force_count_decides_a_flattened_row(tmp_path, page):
    # 行政规范性文件693665 splits 7 ways alone; the prose's 制发69件 and 现行有效65件 leave one.
    text = page.replace(
        "一、总体情况", "一、总体情况本年度制发行政规范性文件69件，现行有效行政规范性文件65件。", 1
    )
    report = _analyze(tmp_path, text)
    row = [report.cells[f"t2.art20_1.normative_docs.{c}"] for c in ("issued", "repealed", "in_force")]
    assert [(c.value, c.status) for c in row] == [(69, "inferred"), (36, "inferred"), (65, "inferred")]
    statuses = {c.id: c.status for c in report.checks}
    assert statuses["N7.normative_docs"] == "pass" and statuses["N8.normative_docs"] == "pass"
