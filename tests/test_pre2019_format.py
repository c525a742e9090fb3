"""Reports in the format before 2019 (2008–2018: 概述 … 收费及减免情况, and a 统计表 of
指标名称 | 计量单位 | 数量 instead of 表二/三/四): told apart from documents that are not
reports, their tables not read, their sections, paragraphs, labels and items read."""

from __future__ import annotations

import json
from pathlib import Path

from nlp.batch.pipeline import PRE2019_MESSAGE, analyze_document, analyze_file
from nlp.errors import NotAReport
from nlp.models import RawDocument, Report
from nlp.read.document import simplified_blocks
from nlp.read.text import text_blocks

from .conftest import CORPUS

OLD_REPORT = """某县人民政府2016年政府信息公开工作年度报告
本报告根据《中华人民共和国政府信息公开条例》要求编制。全文包括概述、主动公开政府信息情况、依申请公开政府信息情况、政府信息公开的收费及减免情况、因政府信息公开申请行政复议和提起行政诉讼情况、存在的主要问题及改进措施、其他需要报告的事项。
一、概述
2016年，我县进一步健全政府信息公开工作机制，明确专人负责信息发布和审核。
二、主动公开政府信息情况
全年主动公开政府信息1250条，其中通过政府门户网站公开980条。
三、依申请公开政府信息情况
全年共受理政府信息公开申请12件，均已按期答复。
四、政府信息公开的收费及减免情况
本年度未收取任何费用。
五、因政府信息公开申请行政复议和提起行政诉讼情况
本年度未发生因政府信息公开申请行政复议和提起行政诉讼的情况。
六、存在的主要问题及改进措施
存在的问题：一是公开内容不够全面；二是部分信息更新不及时。
改进措施：一是加强培训；二是完善审核机制。
七、其他需要报告的事项
无。
| 指标名称 | 计量单位 | 数量 |
| 一、主动公开情况 | | |
| （一）主动公开政府信息数 | 条 | 1250 |
| 二、依申请公开情况 | | |
| （一）收到申请数 | 件 | 12 |
| 四、行政复议数量 | 件 | 0 |
"""


def _analyze(tmp_path: Path, text: str, name: str = "old.txt") -> Report:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return analyze_file(path)


def test_an_old_format_report_is_a_report_whose_tables_are_not_read(tmp_path):
    report = _analyze(tmp_path, OLD_REPORT)
    assert report.meta.template == "pre2019"
    assert report.meta.year == 2016 and report.meta.organ == "某县人民政府"
    assert any(w.startswith(PRE2019_MESSAGE) for w in report.warnings)
    assert "annual report in the pre-2019 format: tables not read" in PRE2019_MESSAGE
    assert report.cells == {} and report.checks == []
    assert report.tables == {"t2": "absent", "t3": "absent", "t4": "absent"}
    assert report.meta.template_signals == {"pre2019": ["统计表：指标名称|计量单位"]}


def test_its_sections_paragraphs_labels_and_items_are_read(tmp_path):
    report = _analyze(tmp_path, OLD_REPORT)
    assert {s.key for s in report.sections} >= {"s1_overview", "s2_proactive", "s5_problems", "s6_other"}
    texts = [p.text for p in report.paragraphs]
    assert any(t.startswith("全年主动公开政府信息1250条") for t in texts)
    assert all(p.label is not None for p in report.paragraphs)
    kinds = {(i.kind, i.text) for i in report.items}
    assert ("problem", "公开内容不够全面") in kinds and ("measure", "加强培训") in kinds


def test_without_its_table_the_old_outline_still_tells_it_apart(tmp_path):
    report = _analyze(tmp_path, OLD_REPORT.split("| 指标名称")[0])
    assert report.meta.template == "pre2019"
    signals = report.meta.template_signals["pre2019"]
    assert signals[0] == "报告年度 2016" and "四、政府信息公开的收费及减免情况" in signals


def test_a_report_of_the_new_format_whose_preamble_lists_the_old_parts_is_not_old(tmp_path):
    # Reports of 2021 on whose preambles still list 概述 … 收费及减免 (TEMPLATES.md §8 V4).
    text = (CORPUS / "changfu-town_2020.txt").read_text(encoding="utf-8")
    preamble = "全文包括概述、主动公开政府信息情况、依申请公开政府信息情况、政府信息公开的收费及减免情况。\n"
    report = _analyze(tmp_path, preamble + text, "new.txt")
    assert report.meta.template == "v2019" and report.cells


def test_a_page_that_is_no_report_is_still_not_a_report(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("关于2016年政务公开工作的通知\n各单位：请按要求报送材料。\n", encoding="utf-8")
    try:
        analyze_file(path)
    except NotAReport as exc:
        assert "not a government information-disclosure annual report" in str(exc)
    else:
        raise AssertionError("a notice was read as a report")


def test_real_pages_of_old_reports_are_told_apart(shared):
    """pages.jsonl/excerpts.jsonl: the beginnings of 32 reports on 2008–2018. Those whose
    excerpt shows a title, a section or the old outline are old-format reports; none of the
    pages that print the 2019 or 2021 tables is."""
    told, old, wrong = 0, 0, []
    for name in ("pages.jsonl", "excerpts.jsonl"):
        for line in (shared / "corpus" / name).open(encoding="utf-8"):
            record = json.loads(line)
            blocks, _ = simplified_blocks(text_blocks(record["text"]))
            try:
                report = analyze_document(
                    RawDocument(path=record["url"], format="txt", sha256="-", blocks=blocks)
                )
            except NotAReport:
                report = None
            is_old = (record.get("year") or 9999) <= 2018
            old += is_old
            if report is not None and report.meta.template == "pre2019":
                told += is_old
                if not is_old and record["year"] != 2019:
                    wrong.append(record["url"])
            elif report is not None and is_old:
                wrong.append(record["url"])  # an old report read as one of the new format
    assert old == 32 and told >= 28 and wrong == []
