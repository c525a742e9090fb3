"""The official blank 2021 form, filled with distinct numbers, read back as DOCX and as HTML.

Every value cell of the real Word form gets its own number; the expected key of each number
comes from the form's own printed row labels and the template's column order, so a reader
that shifts, drops or duplicates a cell of a merged layout fails here.
"""

from __future__ import annotations

import copy
from itertools import count

import docx
import pytest
from docx.oxml.ns import qn

from nlp.batch.pipeline import analyze_file
from nlp.read.normalize import fold
from nlp.tables import template as tpl


def _tc_text(tc) -> str:
    return "".join(t.text or "" for t in tc.iter(qn("w:t"))).strip()


def _is_continuation(tc) -> bool:
    vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
    return vmerge is not None and vmerge.get(qn("w:val")) != "restart"


def _set_text(tc, text: str) -> None:
    paragraph = tc.find(qn("w:p"))
    for run in paragraph.findall(qn("w:r")):
        paragraph.remove(run)
    run = copy.deepcopy(tc.find(f".//{qn('w:r')}")) if tc.find(f".//{qn('w:r')}") is not None else None
    run = run if run is not None else paragraph.makeelement(qn("w:r"), {})
    for child in list(run):
        if child.tag != qn("w:rPr"):
            run.remove(child)
    t = run.makeelement(qn("w:t"), {})
    t.text = text
    run.append(t)
    paragraph.append(run)


def _row_key(label: str) -> str | None:
    folded = fold(label)
    for version in ("v2021",):
        for block in tpl.T2_BLOCKS[version]:
            for row in block.rows:
                if folded == fold(row.label):
                    return f"t2.{block.key}.{row.key}"
        for row in tpl.T3_ROWS[version]:
            if folded == fold(row.label):
                return f"t3.{row.key}"
    return None


def _columns(key: str) -> list[str]:
    if key.startswith("t3."):
        return [c.key for c in tpl.T3_COLUMNS]
    block = next(b for b in tpl.T2_BLOCKS["v2021"] if b.key == key.split(".")[1])
    return [c.key for c in block.columns]


@pytest.fixture(scope="module")
def filled(tmp_path_factory, shared):
    """The blank form with every value cell filled, and the value expected under each key."""
    document = docx.Document(shared / "realdocs" / "TEMPLATE_blank_2021_format.docx")
    numbers = count(11)
    expected: dict[str, int] = {}
    for table in document.tables:
        for tr in table._tbl.findall(qn("w:tr")):
            cells = [tc for tc in tr.findall(qn("w:tc")) if not _is_continuation(tc)]
            texts = [_tc_text(tc) for tc in cells]
            labelled = [i for i, text in enumerate(texts) if text]
            key = _row_key(texts[labelled[-1]]) if labelled else None
            empty = [tc for i, tc in enumerate(cells) if not texts[i] and (not labelled or i > labelled[-1])]
            if key is None and len(empty) != 15:
                continue
            keys = (
                [f"{key}.{c}" for c in _columns(key)]
                if key
                else [f"t4.{g}.{c.key}" for g, _ in tpl.T4_GROUPS for c in tpl.T4_COLUMNS]
            )
            assert len(keys) == len(empty), (key, len(empty))
            for cell_key, tc in zip(keys, empty, strict=True):
                value = next(numbers)
                _set_text(tc, str(value))
                expected[cell_key] = value
    path = tmp_path_factory.mktemp("filled") / "filled_2021_form.docx"
    document.save(path)
    return path, expected


def test_every_value_cell_of_the_form_is_filled(filled):
    _, expected = filled
    assert len(expected) == 200  # v2021: 10 + 175 + 15


def test_filled_docx_reads_back_cell_for_cell(filled):
    path, expected = filled
    report = analyze_file(path)
    got = {k: report.cells[k].value for k in expected}
    assert got == expected
    assert report.meta.template == "v2021"
    assert report.tables == {"t2": "filled", "t3": "filled", "t4": "filled"}


def _html_table(table) -> str:
    """The Word table as HTML with rowspan/colspan, as a CMS would publish it."""
    grid: list[list] = []
    for tr in table._tbl.findall(qn("w:tr")):
        grid.append(tr.findall(qn("w:tc")))
    rows_html = []
    for r, row in enumerate(grid):
        cells_html = []
        for c, tc in enumerate(row):
            if _is_continuation(tc):
                continue
            span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            colspan = int(span.get(qn("w:val"))) if span is not None else 1
            rowspan = 1
            for below in grid[r + 1 :]:
                if c < len(below) and _is_continuation(below[c]):
                    rowspan += 1
                else:
                    break
            text = _tc_text(tc) or "&nbsp;"
            attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (
                f' rowspan="{rowspan}"' if rowspan > 1 else ""
            )
            cells_html.append(f"<td{attrs}>{text}</td>")
        rows_html.append("<tr>" + "".join(cells_html) + "</tr>")
    return '<table border="1">' + "".join(rows_html) + "</table>"


def test_filled_form_as_html_reads_back_cell_for_cell(filled, tmp_path):
    path, expected = filled
    document = docx.Document(path)
    titles = [
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    body = ["<p>一、总体情况</p><p>2024年，本机关认真落实《条例》。</p>"]
    for title, table in zip(titles, document.tables, strict=True):
        body.append(f"<p>{title}</p>{_html_table(table)}")
    body.append("<p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p>")
    html = tmp_path / "filled.html"
    html.write_text(
        '<html><head><meta charset="utf-8"></head><body><div class="nav">首页</div>'
        + "".join(body)
        + "</body></html>",
        encoding="utf-8",
    )
    report = analyze_file(html)
    assert {k: report.cells[k].value for k in expected} == expected
