"""Coverage: who has not published a report for the year, and whose tables were left blank, with
the organs' names matched across their variants."""

from __future__ import annotations

from contextlib import closing

import pytest
from typer.testing import CliRunner

from nlp.audit.coverage import core_name, coverage, parse_expected, read_expected, same_core
from nlp.audit.reviewdb import ReviewError, connect_readonly
from nlp.cli import app
from tests.review_inputs import SEED, report_with_blank_tables, report_without_section_four

runner = CliRunner()


def test_an_organ_is_the_same_unit_under_its_variant_names():
    assert core_name("湖源乡人民政府") == core_name("湖源镇人民政府") == "湖源镇"  # 乡 renamed 镇
    assert core_name("洪泽区政府办公室") == core_name("洪泽区人民政府") == "洪泽区"
    assert core_name(" 淮安市 人民政府办公室") == "淮安市"
    assert core_name("城关街道办事处") == "城关街道" != core_name("城关镇人民政府")
    assert same_core(core_name("淮安市洪泽区人民政府"), core_name("洪泽区人民政府"))
    assert same_core(core_name("沙县湖源乡人民政府"), core_name("湖源镇人民政府"))
    assert not same_core(core_name("新湖源镇人民政府"), core_name("湖源镇人民政府"))
    assert not same_core(core_name("淮安市洪泽区人民政府"), core_name("淮安市人民政府"))


def test_the_list_of_units_is_read_in_english_or_chinese_headers_and_excel_encodings(tmp_path):
    english = parse_expected(
        b"name,level,district\n\xe6\xb9\x96\xe6\xba\x90\xe4\xb9\xa1,township,\xe6\xb2\x99\xe5\x8e\xbf\n",
        "a.csv",
    )
    assert [(u.name, u.level, u.district, u.line) for u in english] == [("湖源乡", "township", "沙县", 2)]
    chinese = "\ufeff单位名称,层级,所属区县\n湖源乡人民政府,乡镇,沙县\n\n夏茂镇人民政府,乡镇,沙县\n"
    assert [u.name for u in parse_expected(chinese.encode("utf-8"), "b.csv")] == [
        "湖源乡人民政府",
        "夏茂镇人民政府",
    ]
    path = tmp_path / "gbk.csv"
    path.write_bytes("名称,层级,地区\n湖源乡,乡镇,沙县\n".encode("gb18030"))
    assert read_expected(path)[0].district == "沙县"
    with pytest.raises(ReviewError, match="no column district"):
        parse_expected("名称,层级\n湖源乡,乡镇\n".encode(), "c.csv")
    with pytest.raises(ReviewError, match="line 2: no name"):
        parse_expected(b"name,level,district\n,township,x\n", "d.csv")
    with pytest.raises(ReviewError, match="cannot read"):
        read_expected(tmp_path / "missing.csv")


@pytest.fixture(scope="module")
def township_results(tmp_path_factory):
    """昌傅镇 (tables filled), 石门乡 (tables blank) and 湖口镇 (no section 四) for 2020."""
    folder = tmp_path_factory.mktemp("townships")
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    report_with_blank_tables(folder)
    report_without_section_four(folder)
    out = tmp_path_factory.mktemp("townships-out")
    result = runner.invoke(app, ["analyze", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")  # themes of three alike townships
def test_coverage_says_who_published_who_left_tables_blank_and_who_did_not_publish(
    township_results, tmp_path
):
    expected = tmp_path / "expected.csv"
    expected.write_text(
        "name,level,district\n"
        "樟树市昌傅镇人民政府,乡镇,樟树市\n"  # the report names itself 昌傅镇人民政府
        "石门镇人民政府,乡镇,樟树市\n"  # renamed from 石门乡: its report has blank tables
        "湖口镇政府办公室,乡镇,樟树市\n"  # the office publishes for the government; no 表四
        "大桥乡人民政府,乡镇,樟树市\n",  # no report
        encoding="utf-8",
    )
    with closing(connect_readonly(township_results)) as db:
        result = coverage(db, read_expected(expected), 2020)
    assert [(r.unit.name, r.status) for r in result.rows] == [
        ("樟树市昌傅镇人民政府", "published"),
        ("石门镇人民政府", "not_filled"),
        ("湖口镇政府办公室", "tables_missing"),
        ("大桥乡人民政府", "missing"),
    ]
    assert result.rows[1].report.organ == "石门乡人民政府" and result.rows[1].tables == ["t2", "t3", "t4"]
    assert result.rows[2].tables == ["t4"]
    assert result.unexpected == []
    with closing(connect_readonly(township_results)) as db:
        assert {r.status for r in coverage(db, read_expected(expected), 2021).rows} == {"missing"}


def test_coverage_command_prints_the_list_and_writes_it_as_csv(realdocs_results, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    expected = tmp_path / "units.csv"
    expected.write_text(
        "名称,层级,地区\n洪泽区人民政府,县级,洪泽区\n淮安市人民政府办公室,市级,淮安市\n淮安市清江浦区人民政府,县级,清江浦区\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "coverage",
            str(expected),
            "--year",
            "2024",
            "-o",
            str(realdocs_results),
            "--to",
            str(tmp_path / "c.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "3 expected: 2 published, 0 with tables not filled, 0 with tables missing, 1 without a report"
        in result.output
    )
    lines = (tmp_path / "c.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("单位,层级,地区,年度,状态")
    assert lines[1].startswith("洪泽区人民政府,县级,洪泽区,2024,已发布,,淮安市洪泽区人民政府,按名称变体匹配")
    assert lines[2].startswith("淮安市人民政府办公室,市级,淮安市,2024,已发布,,淮安市人民政府")
    assert lines[3].startswith("淮安市清江浦区人民政府,县级,清江浦区,2024,未发布")
    bad = runner.invoke(
        app, ["coverage", str(tmp_path / "none.csv"), "--year", "2024", "-o", str(realdocs_results)]
    )
    assert bad.exit_code == 1 and "none.csv: cannot read" in bad.output
