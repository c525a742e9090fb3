"""The HTML review pages as files: what they contain, and that they need nothing from a network."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing

import pytest
from lxml import html
from typer.testing import CliRunner

from nlp.classify.labels import LABEL_NAMES, LABELS
from nlp.cli import app
from nlp.review import analytics
from nlp.tables import template as tpl

runner = CliRunner()


def _page(results, name: str):
    return html.fromstring((results / "review" / name).read_text(encoding="utf-8"))


def _report_page(results, json_name: str):
    # a report's page is named as its JSON (as its source file)
    return _page(results, f"reports/{json_name.removesuffix('.json')}.html")


def test_analyze_writes_a_self_contained_page_set(results):
    review = results / "review"
    pages = sorted(p.relative_to(review).as_posix() for p in review.rglob("*.html"))
    assert pages[:3] == ["analysis.html", "index.html", "problems.html"]
    assert len(pages) == 3 + 17
    for path in review.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", text), path
        assert "<link" not in text and "@import" not in text and "<script src" not in text, path


def test_overview_counts_reports_and_charts_them(results):
    page = _page(results, "index.html")
    kpis = ["".join(k.text_content().split()) for k in page.cssselect("#kpis .kpi")]
    assert kpis[:3] == ["17份报告", "11个机关", "2019–2025年度"]
    assert "5份报告有未通过的核对" in kpis and "10项核对未通过" in kpis
    charts = page.cssselect("svg.chart")
    assert len(charts) == 5
    years_chart = charts[0]
    assert [t.text for t in years_chart.cssselect("text")][-5:] == [
        "乡镇（街道）",
        "县（区）",
        "市",
        "部门",
        "未识别",
    ]
    rows = page.cssselect("#report-list tbody tr")
    assert len(rows) == 17
    shijiang = next(r for r in rows if "石江乡人民政府" in r.text_content())
    assert "has-fail" in shijiang.get("class")
    assert "R3.new_received" in shijiang.text_content()


def test_report_page_lays_table_three_out_like_the_form_and_marks_failed_cells(results):
    page = _report_page(results, "shijiang-township_2020.json")
    t3 = page.cssselect("#table-t3")[0]
    headers = {th.text_content(): th for th in t3.cssselect("th")}
    assert headers[tpl.T3_APPLICANTS_LABEL].get("colspan") == "7"
    assert headers[tpl.T3_ORGANISATIONS_LABEL].get("colspan") == "5"
    outcome_rows = len(tpl.T3_ROWS["v2019"]) - 3  # all but 一、二、四
    assert headers[tpl.T3_OUTCOME_HEADING].get("rowspan") == str(outcome_rows)
    assert headers["（三）不予公开"].get("rowspan") == "8"
    total = t3.cssselect('td[data-key="t3.new_received.total"]')[0]
    assert "fail" in total.get("class").split()
    assert total.text == "0"
    assert "R3.new_received" in total.get("title")
    assert "总计 0 ≠ 自然人 1 + 其余 5 项为 0 = 1" in total.get("title")
    assert not t3.cssselect('td[data-key="t3.carried_over.total"]')[0].get("class").count("fail")
    equations = [li.text_content() for li in page.cssselect("#equations-t3 li")]
    assert len(equations) == 3
    assert "R3.new_received" in equations[0] and "总计 0 ≠ 自然人 1 + 其余 5 项为 0 = 1" in equations[0]
    narrative = page.cssselect("#narrative tr.has-fail")[0].text_content()
    assert "N2" in narrative and "未通过" in narrative and "正文 0" in narrative
    t4_header = [th.text_content() for th in page.cssselect("#table-t4 th")][:4]
    assert t4_header == ["行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"]


def test_report_page_colours_every_paragraph_by_label_with_its_confidence(results):
    page = _report_page(results, "shijiang-township_2020.json")
    paragraphs = page.cssselect("p.para")
    document = json.loads((results / "shijiang-township_2020.json").read_text(encoding="utf-8"))
    assert [p.text_content() for p in paragraphs] == [
        LABEL_NAMES[p["label"]] + p["text"] for p in document["paragraphs"]
    ]
    for p in paragraphs:
        assert p.get("data-label") in LABELS
        assert re.fullmatch(r".+ · 置信度 0\.\d\d|.+ · 置信度 1\.00", p.get("title"))
        assert "background:#" in p.get("style")
    problems = page.cssselect('#s5_problems p.para[data-label="problem"]')
    assert problems and problems[0].text_content().endswith(
        "三是群众对乡镇政府信息公开平台知晓率不高，参与度低。"
    )
    assert len(page.cssselect("#label-legend span")) == len(LABELS) + 2
    assert [li.text_content().split(" 主题")[0] for li in page.cssselect("#items-problem li")] == [
        "政府信息公开力度不强，公开时效性、公开内容质量有待加强",
        "政务公开工作队伍换动频繁，建设有待加强",
        "群众对乡镇政府信息公开平台知晓率不高，参与度低",
    ]


def test_report_page_compares_with_the_organs_previous_report(results):
    page = _report_page(results, "hongze_gov_2024.json")
    heading = page.cssselect("#year-over-year")[0].text_content()
    assert "2023 → 2024" in heading
    cross_year = [li.text_content() for li in page.cssselect("#cross-year li")]
    assert any("X1.total" in li and "通过" in li for li in cross_year)
    assert any("X3.normative_docs" in li for li in cross_year)
    reused = page.cssselect("#items-measure .badge.reused")  # its measures, repeated from 2023
    assert [b.text_content() for b in reused] == ["重复：洪泽区人民政府 2023"] * 2
    assert "第五部分" in page.text_content() and "41%" in page.text_content()


def test_problem_list_holds_every_problem_with_filters(results):
    page = _page(results, "problems.html")
    rows = page.cssselect("#problem-list tbody tr")
    with closing(sqlite3.connect(results / "xxgk.sqlite")) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM items WHERE kind = 'problem'").fetchone()
    assert len(rows) == count >= 30
    filters = {
        s.get("data-field"): [o.text for o in s.cssselect("option")]
        for s in page.cssselect("#filters select")
    }
    assert set(filters) == {"year", "level", "province", "theme"}
    assert filters["year"][:3] == ["全部", "2019", "2020"]
    assert all(r.get("data-theme").startswith("主题") for r in rows)


def test_analysis_page_lists_themes_reuse_and_histories(results):
    page = _page(results, "analysis.html")
    with closing(sqlite3.connect(results / "xxgk.sqlite")) as db:
        (problems,) = db.execute("SELECT COUNT(*) FROM items WHERE kind = 'problem'").fetchone()
    assert len(page.cssselect("#themes tr")) == 1 + analytics.default_theme_count(problems)
    assert len(page.cssselect("#reuses tr")) == 1 + 2
    assert "同一机关跨年度" in page.cssselect("#reuses")[0].text_content()
    assert len(page.cssselect("#histories tr")) == 1 + 5


def test_report_command_needs_results(tmp_path):
    result = runner.invoke(app, ["report", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"xxgk: {tmp_path / 'xxgk.sqlite'}: no results database here; run `xxgk analyze -o {tmp_path}` first"
    ]


@pytest.mark.parametrize("folder", ["elsewhere"])
def test_report_command_writes_to_another_folder(results, tmp_path, folder):
    result = runner.invoke(app, ["report", "-o", str(results), "--to", str(tmp_path / folder)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / folder / "index.html").is_file()
    assert len(list((tmp_path / folder / "reports").glob("*.html"))) == 17
