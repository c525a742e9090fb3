"""The command line a newcomer meets (issue 15): one convention for the results folder, help that
says what it means, JSON where scripts want it, output that fits the terminal or the pipe, and a
fast start (what the commands import; the times are in bench/startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rich.console import Console
from typer.testing import CliRunner

from nlp.batch.pipeline import analyze_file
from nlp.cli import app
from nlp.review.display import SHORT_LABEL_NAMES, warning_text
from nlp.review.terminal import confusion_table, show_report

from .conftest import CORPUS

runner = CliRunner()
SHIJIANG = CORPUS / "shijiang-township_2020.txt"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("results")
    result = runner.invoke(app, ["analyze", str(CORPUS), "-o", str(folder), "-j", "1"])
    assert result.exit_code == 0, result.output
    return folder


def test_every_command_that_reads_results_takes_them_as_dash_o(out, tmp_path):
    assert runner.invoke(app, ["report", "-o", str(out), "--to", str(tmp_path / "pages")]).exit_code == 0
    assert runner.invoke(app, ["export", "-o", str(out), "--to", str(tmp_path / "export")]).exit_code == 0
    assert runner.invoke(app, ["search", "培训", "-o", str(out)]).exit_code == 0
    assert runner.invoke(app, ["search", "培训", "--out", str(out)]).exit_code == 0


def test_the_old_spellings_still_work_and_say_what_replaces_them(out, tmp_path):
    report = runner.invoke(app, ["report", str(out), "--to", str(tmp_path / "pages")])
    assert report.exit_code == 0
    assert "`xxgk report DIR` is deprecated; use `xxgk report -o DIR`" in report.output
    export = runner.invoke(app, ["export", "--output", str(out), "--to", str(tmp_path / "export")])
    assert export.exit_code == 0 and "--output DIR is deprecated; use -o/--out DIR" in export.output


def test_help_shows_what_is_written_and_no_type_noise():
    serve = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "120"})
    assert "pip install 'xxgk-nlp[serve]'" in serve.output  # not eaten as markup
    analyze = runner.invoke(app, ["analyze", "--help"], env={"COLUMNS": "120"})
    assert "<bool>" not in analyze.output and "--force " in analyze.output
    assert analyze.output.count("all cores") == 1 and "[default: 2]" not in analyze.output
    parse = runner.invoke(app, ["parse", "--help"], prog_name="xxgk")
    assert "Usage: xxgk parse [OPTIONS] FILE" in parse.output and "{" not in parse.output.splitlines()[0]


def test_an_empty_search_is_a_usage_error(out):
    result = runner.invoke(app, ["search", "", "-o", str(out)])
    assert result.exit_code == 2 and "give the words to find" in result.output


def test_search_gives_one_hit_per_paragraph_with_its_items_and_json(out):
    result = runner.invoke(app, ["search", "培训", "-o", str(out), "--json"])
    assert result.exit_code == 0
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    keys = [(h["path"], h["text"]) for h in hits]
    assert len(keys) == len(set(keys)) >= 3  # a paragraph and its item are one hit
    assert any(h["items"] and all("培训" in i["text"] for i in h["items"]) for h in hits)
    assert all("培训" in h["text"] for h in hits)


def test_piped_search_prints_whole_lines_not_a_squeezed_table(out):
    result = runner.invoke(app, ["search", "培训", "-o", str(out)], env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    assert lines and all(line.count("\t") == 5 for line in lines)
    snippets = [line.split("\t")[5] for line in lines]
    assert all(len(s) > 30 and "培训" in s for s in snippets)


def test_show_json_is_the_report_document():
    result = runner.invoke(app, ["show", str(SHIJIANG), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["meta"]["organ"] == "石江乡人民政府"


def _screen(width: int) -> str:
    console = Console(width=width, force_terminal=True, record=True, color_system=None)
    show_report(analyze_file(SHIJIANG), console)
    return console.export_text()


def test_show_at_80_columns_keeps_the_form_labels_whole_and_speaks_chinese():
    screen = _screen(80)
    assert "一、本年新收政府信息公开申请数量" in screen  # 表三 row labels whole, not "一、本 …"
    assert "自然人 · 商业企业" in screen  # its columns named once, the values under them
    for word in ("乡镇（街道）", "2019年格式", "未通过", "存在问题", "改进措施", "总体概述"):
        assert word in screen
    assert "层级 township" not in screen and "│ fail" not in screen
    wide = _screen(160)
    assert "一、本年新收政府信息公开申请数量" in wide


def test_the_confusion_matrix_heads_its_columns_with_names_that_fit():
    from nlp.classify.evaluate import Evaluation

    labels = list(SHORT_LABEL_NAMES)
    import numpy as np

    matrix = Evaluation("pipeline", labels, [], np.eye(len(labels), dtype=int), 1.0)
    console = Console(width=80, force_terminal=True, record=True, color_system=None)
    console.print(confusion_table(matrix))
    text = console.export_text()
    assert all(name in text for name in SHORT_LABEL_NAMES.values()) and "…" not in text


def test_warnings_are_shown_in_chinese_with_the_cell_named():
    text = warning_text(
        "flattened_ambiguous: '7777166' splits 4 ways (7/7/77166, 77/7/7166) for t2.art20_1.normative_docs.new_made"
    )
    assert text.startswith("表二·第二十条第（一）项·") and "「7777166」有 4 种拆分" in text
    assert (
        warning_text("sections_not_found: s4_review_litigation")
        == "未找到的章节：四、政府信息公开行政复议、行政诉讼情况"
    )


def _imports(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


HEAVY = {"sklearn", "scipy", "skops", "pdfplumber", "docx", "rapidocr", "pandas", "pkg_resources"}


def test_help_and_the_one_file_commands_import_only_what_they_need():
    assert not (_imports("import nlp.cli") & (HEAVY | {"spacy", "jieba", "pydantic"}))
    parsed = _imports(
        "from typer.testing import CliRunner\nfrom nlp.cli import app\n"
        f"CliRunner().invoke(app, ['parse', {str(SHIJIANG)!r}])"
    )
    assert not (parsed & HEAVY), parsed & HEAVY
    assert {"spacy", "jieba", "mmh3"} <= parsed  # what a text report does need
