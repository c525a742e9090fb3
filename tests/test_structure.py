"""The structure stage on real page excerpts (../shared/corpus/pages.jsonl): every narrative
paragraph is kept, sub-headings and page chrome are not paragraphs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.models import Paragraph
from nlp.read.document import read_document, simplified_blocks
from nlp.read.text import text_blocks
from nlp.structure.sections import (
    Structure,
    is_heading_only,
    match_section_title,
    neighbour_texts,
    read_structure,
)

from .conftest import CORPUS


def _structure(shared: Path, url_end: str) -> Structure:
    """read_structure of the pages.jsonl record whose url ends so."""
    with (shared / "corpus" / "pages.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["url"].endswith(url_end):
                blocks, _ = simplified_blocks(text_blocks(record["text"]))
                return read_structure(blocks)
    raise AssertionError(f"no page {url_end} in pages.jsonl")


def _page(shared: Path, url_end: str) -> tuple[list[Paragraph], str | None]:
    structure = _structure(shared, url_end)
    return structure.paragraphs, structure.title


def _texts(paragraphs: list[Paragraph]) -> list[str]:
    return [p.text for p in paragraphs]


def test_a_sub_heading_that_goes_on_after_a_colon_is_a_paragraph(shared):
    paragraphs, _ = _page(shared, "54ed651c9acf4bac8ca8854ae7d0cf29.shtml")
    assert any(t.startswith("(一)受理申请的数量") and "未收到" in t for t in _texts(paragraphs))


def test_a_numbered_line_that_states_a_figure_is_a_paragraph(shared):
    paragraphs, _ = _page(shared, "e465a9d0187a452d82456b8afbe9c07a.shtml")
    assert "3.发布2023年法治政府建设年度报告22份。" in _texts(paragraphs)


def test_a_channel_line_with_its_count_is_a_paragraph(shared):
    paragraphs, _ = _page(shared, "t20250117_59826.html")
    assert any(t.startswith("微信公众号") and "212条" in t for t in _texts(paragraphs))


def test_a_numbered_part_title_is_never_the_report_title(shared):
    # The excerpt starts inside the report: its paragraphs before 四、 are not a title block.
    paragraphs, title = _page(shared, "5d7fc57bf99d651bbeb365d4.html")
    assert title is None or not title.startswith("三、")
    assert any(t.startswith("(三)回应解读情况") for t in _texts(paragraphs))
    assert any(t.startswith("(一)申请情况") for t in _texts(paragraphs))


def test_contact_lines_of_the_preamble_are_kept_and_not_the_title(shared):
    paragraphs, title = _page(shared, "t20200430_1889247.html")
    assert title is None or not title.startswith("地址")
    assert any(t.startswith("地址") for t in _texts(paragraphs))


def test_page_chrome_without_words_is_not_a_paragraph(shared):
    paragraphs, _ = _page(shared, "bbd55f2-7c7b-440e-b565-704bb5c39342.html")
    assert "】" not in _texts(paragraphs)
    assert not any(t.startswith("【字体") for t in _texts(paragraphs))


def test_headings_stay_headings():
    for heading in ("(一)加强组织领导,完善工作机构", "（二）主动公开情况。", "存在问题：", "1.政府信息管理"):
        assert is_heading_only(heading), heading
    for sentence in ("(一)受理申请的数量:目前未收到依申请公开请求;", "2.公开行政规范性文件3份。", "无。"):
        assert not is_heading_only(sentence), sentence


def test_section_five_whose_title_the_extraction_lost_starts_at_its_first_sub_heading(shared):
    # The extracted Shanghai reports go from 表四 straight to "（一）2024 年工作中存在问题的改进情况"
    # and "（一）主要问题": the template has no narrative sub-heading in 四, so 五 starts there.
    from nlp.batch.pipeline import analyze_file

    for name, first in (
        ("shanghai_gov_office_2025_extracted.md", "针对2024年工作中存在的主要问题"),
        ("shanghai_kewei_2024_extracted.md", "市科委2024年根据本市机构改革工作安排"),
    ):
        report = analyze_file(shared / "realdocs" / name)
        five = [p for p in report.paragraphs if p.section == "s5_problems"]
        assert five and five[0].text.startswith(first)
        assert not [p for p in report.paragraphs if p.section == "s4_review_litigation" and "问题" in p.text]
        assert [s.key for s in report.sections if s.untitled] == ["s5_problems"]
        assert any(w.startswith("section_titles_not_found: s5_problems") for w in report.warnings)


def test_a_report_with_every_title_has_no_untitled_section(shared):
    from nlp.batch.pipeline import analyze_file

    report = analyze_file(shared / "realdocs" / "hongze_gov_2024.pdf")
    assert not any(s.untitled for s in report.sections)


def _sections(shared: Path, url_end: str) -> dict[str, str]:
    return {s.key: s.title for s in _structure(shared, url_end).sections}


def test_indentation_a_crawler_wrote_as_question_marks_does_not_hide_a_section_title(shared):
    # "??一、总体情况", "????一、总体情况": ideographic spaces the crawler could not encode.
    assert _sections(shared, "2026012914194811951/index.shtml")["s1_overview"] == "一、总体情况"
    assert _sections(shared, "t20220118_10313345.html")["s1_overview"] == "一、总体情况"


def test_worded_variants_of_the_first_title_are_section_one(shared):
    assert _sections(shared, "0176888997731551.html")["s1_overview"] == "一、工作总体推进情况"
    assert _sections(shared, "t518537.html")["s1_overview"] == "一、本年度政府信息公开工作的基本情况"
    assert _sections(shared, "t20220112_278953.html")["s1_overview"] == "一,、总体情况"


def test_a_paragraph_is_read_with_its_neighbours_in_the_same_section_only():
    paragraphs = read_structure(read_document(CORPUS / "changfu-town_2020.txt").blocks).paragraphs
    context = dict(zip(_texts(paragraphs), neighbour_texts(paragraphs), strict=True))
    first_problem = next(t for t in context if t.startswith("1.人员力量配置有待提升"))
    # The first paragraph of 五 sees nothing of 一 before it, and the next problem after it.
    assert context[first_problem][0] == ""
    assert context[first_problem][1].startswith("2.公开质量效率有待提高")
    last_of_five = next(t for t in context if t.startswith("2.完善规章制度"))
    assert context[last_of_five] == (next(t for t in context if t.startswith("1.加强组织领导")), "")


def test_section_four_with_a_typo_in_its_title_is_still_four():
    for title in ("四、政府信息公开行政法复议、行政诉讼情况", "四、政府信息公开行政法复议情况"):
        match = match_section_title(title)
        assert match is not None and match.key == "s4_review_litigation", title


def test_a_typo_title_still_cuts_a_flattened_page(shared, tmp_path):
    from nlp.batch.pipeline import analyze_file

    text = (shared / "realdocs" / "pingtan_2021_flattened.txt").read_text(encoding="utf-8")
    title = "四、政府信息公开行政复议、行政诉讼情况"
    assert title in text
    path = tmp_path / "typo.txt"
    path.write_text(text.replace(title, "四、政府信息公开行政法复议、行政诉讼情况"), encoding="utf-8")
    report = analyze_file(path)
    four = next(s for s in report.sections if s.key == "s4_review_litigation")
    assert four.title == "四、政府信息公开行政法复议、行政诉讼情况" and not four.untitled
    assert (report.cells["t4.suit_direct.total"].value, report.cells["t4.review.total"].value) == (12, 3)


@pytest.mark.parametrize(
    ("lost", "key"),
    [
        ("三、收到和处理政府信息公开申请情况", "s3_requests"),
        ("四、政府信息公开行政复议、行政诉讼情况", "s4_review_litigation"),
    ],
)
def test_a_table_section_whose_title_was_lost_is_found_at_its_table(tmp_path, lost, key):
    from nlp.batch.pipeline import analyze_file

    original = analyze_file(CORPUS / "changfu-town_2020.txt")
    lines = (CORPUS / "changfu-town_2020.txt").read_text(encoding="utf-8").split("\n")
    path = tmp_path / "lost.txt"
    path.write_text("\n".join(line for line in lines if line.strip() != lost), encoding="utf-8")
    report = analyze_file(path)
    section = next(s for s in report.sections if s.key == key)
    assert section.untitled and section.title == lost[2:]
    assert [s.key for s in report.sections] == [s.key for s in original.sections]
    assert report.cells == original.cells
    assert sorted(c.id for c in report.failed_checks()) == sorted(c.id for c in original.failed_checks())


def test_a_section_without_its_title_or_its_table_stays_missing(tmp_path):
    from nlp.batch.pipeline import analyze_file

    lines = (CORPUS / "zaoling-township_2020.txt").read_text(encoding="utf-8").split("\n")
    start = next(
        i for i, line in enumerate(lines) if line.strip() == "四、政府信息公开行政复议、行政诉讼情况"
    )
    end = next(i for i, line in enumerate(lines) if i > start and line.strip().startswith("5、"))
    path = tmp_path / "no_four.txt"
    path.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")
    report = analyze_file(path)
    assert "s4_review_litigation" not in {s.key for s in report.sections}
    assert report.tables["t4"] == "absent"
