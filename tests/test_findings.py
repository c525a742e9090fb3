"""Findings: every kind gets an id of unit + year + rule + cells that holds across re-analysis,
`--force`, a corrected re-upload and a new reading of the same report."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import closing
from pathlib import Path

from typer.testing import CliRunner

from nlp.audit.decisions import DecisionStore
from nlp.audit.findings import (
    Filters,
    district_of,
    finding_id,
    finding_text,
    identity_of,
    listed,
    refresh,
    unit_of,
)
from nlp.audit.reviewdb import connect
from nlp.audit.rulebook import KIND_NAMES, RULES
from nlp.batch.store import DB_NAME, ResultStore
from nlp.cli import app
from nlp.models import Report
from tests.conftest import GOLD
from tests.review_inputs import (
    SEED,
    copy_results,
    next_year_report,
    report_with_blank_tables,
    report_without_section_four,
)


def _analyze(*arguments: str) -> None:
    result = CliRunner().invoke(app, ["analyze", *arguments])
    assert result.exit_code == 0, result.output


def _findings(out: Path, **filters: str) -> list:
    with closing(connect(out)) as db:
        return [f for f, _ in listed(db, Filters(**filters))]


def test_the_findings_of_the_real_documents_are_the_gold_failures_blank_totals_and_blank_tables(
    realdocs_results, tmp_path
):
    out = copy_results(realdocs_results, tmp_path / "out")
    found = {(f.organ, f.year, f.check_id, f.status) for f in _findings(out)}
    expected = set()
    for path in sorted((GOLD / "realdocs").glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        organ, year = gold["meta"]["organ"], gold["meta"]["year"]
        expected |= {(organ, year, check, "fail") for check in gold["checks_failed"]}
        expected |= {
            (organ, year, check, "missing_total")
            for check, status in gold.get("checks_status", {}).items()
            if status == "missing_total"
        }
        expected |= {
            (organ, year, f"M3.{table}", "fail")
            for table, status in gold["tables"].items()
            if status == "not_filled"
        }
    assert found == expected
    kinds = Counter(f.kind for f in _findings(out))
    assert kinds == {"identity": 17, "narrative": 1, "blank": 3}


def test_an_id_is_the_digest_of_unit_year_rule_and_cells_never_of_the_file(realdocs_results, tmp_path):
    out = copy_results(realdocs_results, tmp_path / "out")
    for finding in _findings(out):
        assert finding.identity == identity_of(finding.unit, finding.year, finding.rule, finding.cells)
        assert finding.id == finding_id(finding.identity)
        assert finding.report not in finding.identity
    (review,) = _findings(out, unit="洪泽区人民政府", rule="R4", year="2023")[:1]
    assert review.identity == (
        "洪泽区人民政府|2023|R4|t4.review.corrected,t4.review.other,t4.review.pending,t4.review.total,t4.review.upheld"
    )
    assert len(review.id) == 12
    blank = _findings(out, rule="M3")
    assert {f.unit for f in blank} == {"（未识别机关）TEMPLATE_blank_2021_format.docx"}


def test_decisions_hold_after_force_a_reupload_under_another_name_and_changed_bytes(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    first = folder / "changfu-town_2020.txt"
    first.write_bytes(SEED.read_bytes())
    out = tmp_path / "out"
    _analyze(str(folder), "-o", str(out))
    (n2,) = _findings(out, rule="N2")
    with closing(connect(out)) as db:
        DecisionStore(db).decide(n2.id, n2.identity, "dismissed", "甲", "正文与表格的口径不同")
    _analyze(str(folder), "-o", str(out), "--force")
    # the unit sends its report again: other bytes (a line added), another file name
    first.unlink()
    (folder / "昌傅镇2020年报（更正版）.txt").write_text(
        SEED.read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    _analyze(str(folder), "-o", str(out))
    (again,) = _findings(out, rule="N2")
    assert again.id == n2.id and again.report != n2.report
    with closing(connect(out)) as db:
        ((_, decided),) = listed(db, Filters(rule="N2"))
        assert decided == "dismissed"
        assert DecisionStore(db).decision(n2.id).note == "正文与表格的口径不同"


def test_cross_year_boilerplate_missing_sections_and_tables_are_findings_too(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    next_year_report(folder)
    report_without_section_four(folder)
    report_with_blank_tables(folder)
    out = tmp_path / "out"
    _analyze(str(folder), "-o", str(out))
    later = {f.check_id: f for f in _findings(out, unit="昌傅镇人民政府", year="2021")}
    assert {"X1.natural_person", "X1.total", "B1"} <= set(later)
    carry = later["X1.total"]
    assert carry.kind == "cross_year" and carry.earlier and carry.earlier != carry.report
    assert carry.cells == ["t3.carried_over.total", "prev.t3.carried_forward.total"]
    assert (carry.lhs, carry.rhs) == (1, 0)
    reused = later["B1"]
    assert reused.kind == "boilerplate" and reused.lhs == 1.0
    assert reused.detail["reused"] and reused.quote
    missing = {f.check_id for f in _findings(out, unit="湖口镇人民政府")}
    assert {"M1.s4_review_litigation", "M2.t4"} <= missing
    blank = {f.check_id for f in _findings(out, unit="石门乡人民政府")}
    assert {"M3.t2", "M3.t3", "M3.t4"} <= blank
    assert {f.kind for f in _findings(out)} >= {
        "identity",
        "cross_year",
        "narrative",
        "missing",
        "blank",
        "boilerplate",
    }


def test_a_finding_is_told_in_plain_chinese_with_the_table_row_column_and_both_sides(
    realdocs_results, tmp_path
):
    out = copy_results(realdocs_results, tmp_path / "out")
    (review,) = [f for f in _findings(out, rule="R4", year="2023") if f.check_id == "R4.review"]
    with closing(ResultStore(out / DB_NAME, readonly=True)) as store:
        report = Report.model_validate_json(store.document(review.report))
        text = finding_text(review, report)
        (narrative,) = _findings(out, rule="N1")
        told = finding_text(narrative, Report.model_validate_json(store.document(narrative.report)))
    assert text.kind == KIND_NAMES["identity"] and text.title == RULES["R4"].title
    assert text.place.table == "表四" and text.place.rows == ["行政复议"]
    assert text.place.columns[0] == "总计"
    assert text.problem.startswith("表四「行政复议」行：总计不等于")
    assert text.evidence == "总计 0 ≠ 结果维持 10 + 结果纠正 1 + 其他结果 0 + 尚未审结 0 = 11"
    assert "表四「行政复议」行" in text.fix
    assert told.place.text() == "表三「一、本年新收政府信息公开申请数量」行「总计」列"
    assert "原文：「2024年,区政府办代表区政府受理政府信息公开申请17件" in told.evidence
    assert "正文 17，表格 95" in told.fix


def test_units_and_districts_are_read_from_the_organ():
    assert unit_of(" 洪泽区 人民政府", "a.pdf") == "洪泽区人民政府"
    assert unit_of(None, "x/TEMPLATE.docx") == "（未识别机关）TEMPLATE.docx"
    assert district_of(["淮安市", "洪泽区"]) == "洪泽区"
    assert district_of(["沙县", "湖源乡"]) == "沙县"
    assert district_of(["昌傅镇"]) is None


def test_findings_are_derived_again_only_when_the_reports_change(realdocs_results, tmp_path):
    out = copy_results(realdocs_results, tmp_path / "out")
    assert refresh(out) is False  # `xxgk analyze` derived them
    with closing(connect(out)) as db:
        db.execute("UPDATE review_info SET value = 'old' WHERE key = 'findings_stamp'")
    assert refresh(out) is True
    assert refresh(out) is False
