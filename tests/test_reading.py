"""Reading text reports in every encoding and layout that occurs, and refusing bad input clearly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.batch.pipeline import analyze_file
from nlp.errors import InputError
from nlp.read.document import read_document

from .conftest import CORPUS

SEED = CORPUS / "shijiang-township_2020.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")


def _values(path: Path) -> dict[str, tuple]:
    report = analyze_file(path)
    return {k: (c.value, c.status) for k, c in report.cells.items()}


REFERENCE = None


def reference() -> dict[str, tuple]:
    global REFERENCE
    if REFERENCE is None:
        REFERENCE = _values(SEED)
    return REFERENCE


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
    ],
)
def test_encodings_are_detected_and_give_the_same_cells(tmp_path, encoding, detected):
    path = tmp_path / f"report-{encoding}.txt"
    path.write_bytes(SEED_TEXT.replace("\xa0", " ").encode(encoding))
    doc = read_document(path)
    assert doc.encoding == detected
    assert _values(path) == reference()


def test_crlf_line_ends(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(SEED_TEXT.replace("\n", "\r\n").encode("utf-8"))
    assert _values(path) == reference()


def test_full_width_digits_and_odd_spaces_are_normalised(tmp_path):
    text = SEED_TEXT.replace("\t27\n", "\t２７\n").replace("\t93650\n", "\t\u3000９３６５０\u00a0\n")
    path = tmp_path / "fullwidth.txt"
    path.write_text(text, encoding="utf-8")
    report = analyze_file(path)
    assert report.cells["t2.art20_9.central_procurement.procurement_items"].value == 27
    cell = report.cells["t2.art20_9.central_procurement.procurement_amount"]
    assert (cell.value, cell.status) == (93650, "explicit_number")
    assert "９３６５０" in cell.raw


def test_tab_separated_layout_with_wrapped_labels():
    report = analyze_file(CORPUS / "huyuan-township_2020.txt")
    assert report.cells["t3.withheld_law_forbidden.natural_person"].status == "explicit_zero"
    assert report.cells["t3.withheld_law_forbidden.total"].status == "blank"
    assert report.cells["t2.art20_9.central_procurement.procurement_amount"].unit == "元"


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nlp", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


BAD_INPUTS = {
    "missing": (None, "no such file"),
    "empty.txt": (b"", "empty file"),
    "binary.txt": (bytes(range(256)) * 20, "binary file"),
    "big5.txt": ("中文測試資料，無關內容。".encode("big5") * 3, "unknown text encoding"),
    "minutes.txt": (
        "会议纪要：讨论了办公用品采购事宜。".encode(),
        "not a government information-disclosure annual report",
    ),
    "report.xyz": (b"abc", "unsupported file type"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_gets_one_clear_line_and_nonzero_exit(tmp_path, name):
    content, problem = BAD_INPUTS[name]
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = _cli("parse", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and problem in lines[0]
    assert "Traceback" not in result.stderr


def test_reader_errors_name_the_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"   \n")
    with pytest.raises(InputError) as err:
        read_document(path)
    assert err.value.path == str(path) and err.value.problem == "empty file"


def test_folder_without_reports_is_an_error(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n")
    result = _cli("analyze", str(tmp_path), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "contains no report files" in result.stderr and "Traceback" not in result.stderr


def test_bad_files_do_not_stop_a_batch(tmp_path):
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "empty.txt").write_bytes(b"")
    good = tmp_path / "seed.txt"
    good.write_bytes(SEED.read_bytes())
    out = tmp_path / "out"
    result = _cli("analyze", str(tmp_path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    status = {Path(s["source"]).name: s["status"] for s in summary}
    assert status == {"bin.txt": "failed", "empty.txt": "failed", "seed.txt": "ok"}
    assert (out / "seed.json").is_file()


def test_indentation_written_as_question_marks_is_dropped_in_text_and_html():
    # Crawled pages whose ideographic-space indentation was saved as "?" (../shared/corpus has ten).
    from nlp.read.html import read_html
    from nlp.read.text import text_blocks

    text = "??一、总体情况\n????2021年，本局主动公开政府信息644条。\n???\n"
    assert [b.text for b in text_blocks(text)][:2] == ["一、总体情况", "2021年，本局主动公开政府信息644条。"]
    html = "<html><body><p>??一、总体情况</p><p>??2021年，本局主动公开政府信息644条。</p></body></html>"
    blocks, _ = read_html(html.encode("utf-8"), "page.html")
    assert [b.text for b in blocks] == ["一、总体情况", "2021年，本局主动公开政府信息644条。"]


def test_page_footers_and_wrapped_lines_of_extracted_text():
    from nlp.read.text import text_blocks
    from nlp.structure.sections import read_structure

    text = (
        "五、存在的主要问题及改进情况\n"
        "部分乡镇（街道）对照标准目录公开的事项要素不全，个别村（社区）\n"
        "公开栏内容更新滞后，群众查阅不便。针对上述问题，我县采取以下措施：（1）\n"
        "建立专栏月度巡查机制。\n"
        "主办：某县人民政府办公室　　承办：某县融媒体中心\n"
        "网站标识码：6212270001　　陇ICP备05001234号\n"
        "上一条：某镇2024年政府信息公开工作年度报告\n"
    )
    paragraphs = [p.text for p in read_structure(text_blocks(text)).paragraphs]
    assert paragraphs == [
        "部分乡镇（街道）对照标准目录公开的事项要素不全，个别村（社区）公开栏内容更新滞后，群众查阅不便。"
        "针对上述问题，我县采取以下措施：（1）建立专栏月度巡查机制。"
    ]
