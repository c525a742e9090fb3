"""Reader behaviour for PDF, DOCX/DOC and HTML beyond the real documents' gold."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import docx
import pdfplumber
import pypdfium2 as pdfium
import pytest
from opencc import OpenCC

from nlp.batch.pipeline import analyze_file
from nlp.errors import InputError
from nlp.read.document import read_document
from nlp.read.pdf_objects import document_objects


def _minimal_pdf_without_text() -> bytes:
    """A valid one-page PDF with no text layer, as a scanner without OCR produces."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 34 >>\nstream\n0 0 1 rg 100 100 200 200 re f\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_scanned_pdf_without_legible_text_is_a_clear_error(tmp_path):
    # Scanned pages are read by OCR (tests/test_ocr.py); a blue square is no text.
    path = tmp_path / "scan.pdf"
    path.write_bytes(_minimal_pdf_without_text())
    with pytest.raises(InputError, match="no text layer, and OCR found no text"):
        read_document(path)


def test_broken_pdf_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(InputError, match="PDF"):
        read_document(path)


def test_pdf_wrapped_lines_become_paragraphs_and_page_numbers_go(shared):
    report = analyze_file(shared / "realdocs" / "huaian_gov_2024.pdf")
    texts = [p.text for p in report.paragraphs]
    assert not any(t.strip("- ").isdigit() for t in texts)
    overview = next(p for p in report.paragraphs if p.text.startswith("（一）主动公开情况"))
    assert "5500余条" in overview.text and overview.text.endswith("。")
    assert overview.section == "s1_overview" and overview.heading == "主动公开情况"


def test_pdf_label_cut_by_page_break_is_rejoined(shared):
    doc = read_document(shared / "realdocs" / "huaian_gov_2024.pdf")
    cells = [c for b in doc.blocks if b.kind == "table" for row in b.rows for c in row]
    assert "（四）无法提供" in cells and "法提供" not in cells
    assert "三、本年度办理结果" in cells  # vertical label, one character per line


def _plumber_and_pdfium_objects(path):
    """pdfplumber's own objects of every page (pdfminer) and the reader's (PDFium)."""
    with pdfplumber.open(path) as pdf:
        read = document_objects(path.read_bytes(), pdf.pages)
        yield from zip((page.objects for page in pdf.pages), read, strict=True)


def _same_objects(read: list[dict], expected: list[dict]) -> bool:
    """The same objects at the same places, to half a point, whatever their order."""
    if len(read) != len(expected):
        return False
    unmatched: dict[str, list[dict]] = {}
    for obj in read:
        unmatched.setdefault(obj.get("text", ""), []).append(obj)
    for obj in expected:
        candidates = unmatched.get(obj.get("text", ""), [])
        match = next(
            (c for c in candidates if all(abs(c[k] - obj[k]) < 0.5 for k in ("x0", "x1", "top", "bottom"))),
            None,
        )
        if match is None:
            return False
        candidates.remove(match)
    return True


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_pdfium_reads_the_same_characters_and_borders_as_pdfminer(shared, tmp_path, rotation):
    path = tmp_path / "page.pdf"
    document = pdfium.PdfDocument(shared / "realdocs" / "hongze_gov_2023.pdf")
    for page in document:  # a rotated page with its MediaBox off the origin
        page.set_rotation(rotation)
        x0, y0, x1, y1 = page.get_mediabox()
        page.set_mediabox(x0 + 10, y0 + 20, x1 + 10, y1 + 20)
    document.save(path)
    document.close()
    for expected, read in _plumber_and_pdfium_objects(path):
        assert set(read) == set(expected)
        for kind in expected:
            assert _same_objects(read[kind], expected[kind]), kind


def test_pdfium_reads_the_real_pdfs_as_pdfminer(shared):
    for path in sorted((shared / "realdocs").glob("*.pdf")):
        for expected, read in _plumber_and_pdfium_objects(path):
            assert set(read) == set(expected)
            assert all(_same_objects(read[kind], expected[kind]) for kind in expected), path.name


def test_docx_auto_numbered_headings_are_rendered(tmp_path):
    document = docx.Document()
    document.add_paragraph("总体情况", style="List Number")
    document.add_paragraph("2024年，本局认真落实《条例》。")
    document.add_paragraph("主动公开政府信息情况", style="List Number")
    path = tmp_path / "numbered.docx"
    document.save(path)
    texts = [b.text for b in read_document(path).blocks]
    assert texts == ["1.总体情况", "2024年，本局认真落实《条例》。", "2.主动公开政府信息情况"]


def test_docx_merged_cells_are_read_once(shared):
    doc = read_document(shared / "realdocs" / "TEMPLATE_blank_2021_format.docx")
    t3 = next(b for b in doc.blocks if b.kind == "table" and any("勾稽" in c for c in b.rows[0]))
    labels = [c for row in t3.rows for c in row if c.strip()]
    assert labels.count("三、本年度办理结果") == 1  # vMerge continuation cells not repeated


def test_legacy_doc_without_libreoffice_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(InputError, match="soffice"):
        read_document(path)


def test_html_traditional_copy_reads_like_the_original(tmp_path, shared):
    source = shared / "realdocs" / "shanghai_gov_office_2019.html"
    traditional = OpenCC("s2t").convert(source.read_text(encoding="utf-8"))
    path = tmp_path / "mirror.html"
    path.write_text(traditional, encoding="utf-8")
    original, mirror = analyze_file(source), analyze_file(path)
    assert {k: c.value for k, c in mirror.cells.items()} == {k: c.value for k, c in original.cells.items()}
    assert [s.key for s in mirror.sections] == [s.key for s in original.sections]
    assert any(w.startswith("traditional_chinese") for w in mirror.warnings)


def test_html_charset_and_page_chrome(tmp_path, shared):
    source = (shared / "realdocs" / "shanghai_gov_office_2019.html").read_text(encoding="utf-8")
    page = source.replace(
        '<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    )
    page = page.replace(
        "<body>",
        '<body><div class="nav-menu">首页 政务公开 主动公开 依申请公开</div><div id="share">分享到微信</div>',
    )
    path = tmp_path / "gbk.html"
    path.write_bytes(page.encode("gb18030"))
    doc = read_document(path)
    assert doc.encoding == "gb18030"
    texts = [b.text for b in doc.blocks if b.kind == "text"]
    assert not any("分享到" in t or "首页" in t for t in texts)
    assert analyze_file(path).cells["t3.new_received.total"].value == 859


def test_pdfs_read_in_threads_read_as_one_at_a_time(shared):
    # A Dask worker runs files in threads; PDFium is not thread-safe, so the reader takes turns.
    pdfs = sorted((shared / "realdocs").glob("*.pdf")) * 3
    alone = [read_document(p).blocks for p in pdfs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda p: read_document(p).blocks, pdfs))
    assert together == alone
