"""The reviewers' commands for scripts — findings, decide, correct, decisions export/import/log,
letters, indicators — and what the letters (DOCX) and the workbook (XLSX) say."""

from __future__ import annotations

import json

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from nlp.audit.letters import WORKBOOK_NAME, _chinese_number
from nlp.audit.rulebook import KIND_NAMES
from nlp.cli import app
from tests.review_inputs import copy_results

runner = CliRunner()


@pytest.fixture
def out(realdocs_results, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("XXGK_REVIEWER", "审核员甲")
    return copy_results(realdocs_results, tmp_path / "out")


def xxgk(*arguments: str) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


def listed(out, *filters: str) -> list[dict]:
    return [json.loads(line) for line in xxgk("findings", "-o", str(out), "--json", *filters).splitlines()]


def test_findings_lists_ids_for_scripts(out):
    everything = listed(out)
    assert len(everything) == 21 and {f["decision"] for f in everything} == {"open"}
    (review,) = [f for f in listed(out, "--rule", "R4", "--year", "2023") if f["check_id"] == "R4.review"]
    assert review["unit"] == "洪泽区人民政府" and review["cells"][0] == "t4.review.total"
    table = xxgk("findings", "-o", str(out), "--unit", "洪泽区人民政府")
    assert review["id"] in table and "勾稽关系不成立" in table


def test_decide_confirms_dismisses_and_undoes_by_id_or_its_first_digits(out):
    (review,) = [f for f in listed(out, "--rule", "R4") if f["check_id"] == "R4.review"]
    (n1,) = listed(out, "--rule", "N1")
    said = xxgk("decide", review["id"][:6], "--confirm", "-o", str(out))
    assert said.startswith(f"{review['id']} 已确认（审核员甲）：洪泽区人民政府 2023 R4")
    xxgk("decide", n1["id"], "--dismiss", "--note", "区政府办的受理数", "--who", "审核员乙", "-o", str(out))
    assert {f["id"]: f["decision"] for f in listed(out, "--status", "dismissed")} == {n1["id"]: "dismissed"}
    assert "待审核" in xxgk("decide", n1["id"], "--undo", "-o", str(out))
    log = xxgk("decisions", "log", "-o", str(out))
    assert log.count(" decide ") == 2 and " undo " in log and "审核员乙" in log
    for wrong in (
        ["decide", review["id"], "-o", str(out)],
        ["decide", "ffffffffffff", "--confirm", "-o", str(out)],
    ):
        result = runner.invoke(app, wrong)
        assert result.exit_code == 1 and result.output.startswith("xxgk: ")


def test_correct_keeps_the_value_beside_the_printed_one_and_prints_the_checks_both_ways(out):
    (review,) = [f for f in listed(out, "--rule", "R4") if f["check_id"] == "R4.review"]
    refused = runner.invoke(app, ["correct", review["id"], "11", "-o", str(out)])
    assert refused.exit_code == 1 and "--cell" in refused.output  # the finding has five cells
    said = xxgk(
        "correct", review["id"], "11", "--cell", "t4.review.total", "--note", "按分项合计", "-o", str(out)
    )
    assert "printed 0, corrected 11 (审核员甲)" in said
    assert "R4.review: as printed 未通过" in said and "corrected 通过" in said and "11 = 11" in said
    # a report named by its file, a cell of the prose check
    said = xxgk("correct", "hongze_gov_2024.pdf", "17", "--cell", "t3.new_received.total", "-o", str(out))
    assert "N1: as printed 未通过" in said and "表格 17 = 正文 17" in said
    assert "taken back" in xxgk(
        "correct", "hongze_gov_2024", "--cell", "t3.new_received.total", "--undo", "-o", str(out)
    )
    assert (
        runner.invoke(
            app, ["correct", "平潭综合实验区管理委员会", "3", "--cell", "t4.review.total", "-o", str(out)]
        ).exit_code
        == 1
    )


def test_two_reviewers_export_and_import_each_others_work(realdocs_results, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    mine, theirs = (copy_results(realdocs_results, tmp_path / n) for n in ("a", "b"))
    (n1,) = listed(theirs, "--rule", "N1")
    xxgk("decide", n1["id"], "--dismiss", "--who", "乙", "-o", str(theirs))
    xxgk("correct", n1["id"], "17", "-o", str(theirs), "--who", "乙")  # N1 has one cell: no --cell needed
    exported = tmp_path / "乙.json"
    assert "1 decision(s), 1 correction(s), 2 log entries" in xxgk(
        "decisions", "export", str(exported), "-o", str(theirs)
    )
    said = xxgk("decisions", "import", str(exported), "-o", str(mine), "--who", "甲")
    assert "2 taken (newer or new here), 0 kept (ours newer), 0 the same; 2 log entries added" in said
    assert listed(mine, "--rule", "N1")[0]["decision"] == "dismissed"
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    result = runner.invoke(app, ["decisions", "import", str(broken), "-o", str(mine)])
    assert result.exit_code == 1 and "broken.json: not an xxgk decisions file" in result.output


def test_letters_list_the_confirmed_findings_only_in_plain_chinese(out):
    findings = {f["check_id"]: f for f in listed(out, "--unit", "洪泽区人民政府")}
    xxgk("decide", findings["R4.review"]["id"], "--confirm", "--note", "请更正表四", "-o", str(out))
    xxgk("decide", findings["R4.suit_after_review"]["id"], "--dismiss", "-o", str(out))
    xxgk("correct", findings["R4.review"]["id"], "11", "--cell", "t4.review.total", "-o", str(out))
    (pingtan,) = [f for f in listed(out, "--rule", "R2") if f["check_id"] == "R2.total"]
    xxgk("decide", pingtan["id"], "--confirm", "-o", str(out))
    said = xxgk("letters", "淮安市洪泽区人民政府", "--year", "2023", "-o", str(out))  # another of its names
    assert "洪泽区人民政府 2023: 1 confirmed finding(s)" in said
    letter = Document(str(out / "letters" / "审核意见_洪泽区人民政府_2023.docx"))
    text = "\n".join(p.text for p in letter.paragraphs)
    assert text.startswith("关于《")
    assert "存在以下 1 个问题（勾稽关系不成立 1 个）" in text
    assert "一、表四「行政复议」行：总计不等于结果维持、结果纠正、其他结果、尚未审结之和" in text
    assert (
        "位置：表四「行政复议」行（表：表四；行：行政复议；列：总计、结果维持、结果纠正、其他结果、尚未审结）"
        in text
    )
    assert "核对：总计 0 ≠ 结果维持 10 + 结果纠正 1 + 其他结果 0 + 尚未审结 0 = 11" in text
    assert "建议：请核对表四「行政复议」行" in text
    assert "审核更正：表四「行政复议」行「总计」列：报告为 0，审核认定为 11" in text
    assert "审核说明：请更正表四" in text and "审核人：审核员甲" in text
    assert "复议后起诉" not in text  # dismissed: left out
    book = load_workbook(out / "letters" / WORKBOOK_NAME)
    assert book.sheetnames == ["审核意见", "汇总"]
    sheet = book["审核意见"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [(r["单位"], r["规则"]) for r in rows] == [
        ("平潭综合实验区管理委员会", "R2"),
        ("洪泽区人民政府", "R4"),
    ]
    assert rows[1]["表"] == "表四" and rows[1]["行"] == "行政复议" and rows[1]["列"].startswith("总计")
    assert rows[0]["列"] == "总计" and "≠" in rows[0]["核对或原文"]
    summary = [[c.value for c in row] for row in book["汇总"].iter_rows()]
    assert summary[0] == ["单位", "年度", *KIND_NAMES.values(), "合计"]
    assert summary[-1][0] == "合计" and summary[-1][-1] == 2 and summary[-1][2] == 2
    every = xxgk("letters", "-o", str(out), "--to", str(out / "all"))
    assert every.count("confirmed finding(s)") == 2
    unknown = runner.invoke(app, ["letters", "某某镇人民政府", "-o", str(out)])
    assert unknown.exit_code == 1 and "no report of a unit named" in unknown.output


def test_a_unit_without_confirmed_findings_gets_a_letter_that_says_so(out):
    xxgk("letters", "淮安市人民政府", "-o", str(out))
    text = "\n".join(
        p.text for p in Document(str(out / "letters" / "审核意见_淮安市人民政府_2024.docx")).paragraphs
    )
    assert "未发现需要更正的问题" in text


def test_indicators_command_prints_the_formulas_and_the_values(out):
    said = xxgk("indicators", "-o", str(out))
    assert "公开率 = 表三（一）予以公开 ÷ 表三办结数（（七）总计）" in said and "44.7%" in said
    rows = [json.loads(line) for line in xxgk("indicators", "-o", str(out), "--json").splitlines()]
    huaian = next(
        r
        for r in rows
        if r["scope"] == "report" and r["unit"] == "淮安市人民政府" and r["indicator"] == "disclosure_rate"
    )
    assert (huaian["numerator"], huaian["denominator"]) == (1362, 3050)
    assert any(r["scope"] == "district" and r["district"] == "洪泽区" for r in rows)


def test_numbers_of_a_letter_are_chinese():
    assert [_chinese_number(n) for n in (1, 9, 10, 11, 20, 25)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十五",
    ]
