"""Scanned reports: pages without a text layer and page images are read by OCR.

The scans are made here from the real PDFs of ../shared/realdocs (tests/scanmaker.py: a red
stamp, skew, blur, noise, JPEG), so their truth is the hand-read gold of the originals. A few
pages at 150 dpi keep the suite fast; bench/ocr.py measures every page at 150–300 dpi.
"""

from __future__ import annotations

import os

import pytest

if not os.environ.get("CI"):  # CI installs the `ocr` extra (in `test`): a missing engine fails there
    for module in ("rapidocr", "onnxruntime", "cv2", "img2pdf"):
        pytest.importorskip(module, reason="the OCR engine is the `ocr` extra")

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from nlp.batch.pipeline import analyze_document, analyze_file
from nlp.checks.identities import table_checks
from nlp.checks.ocr_checks import judge_ocr_cells
from nlp.errors import InputError
from nlp.models import Cell, OcrReading
from nlp.read import ocr as ocr_module
from nlp.read.document import read_document
from nlp.read.ocr import Reading, chinese_punctuation, looks_numeric, recognizer
from nlp.tables.cells import parse_cell

from .conftest import load_gold
from .scanmaker import HARSH, Degradation, encode, image_pdf, render_pages, scan_pdf

GOLD = {g["_name"]: g for g in load_gold("realdocs")}


@pytest.fixture(scope="module")
def realdocs(shared):
    return shared / "realdocs"


def _cells_as_gold(report, gold: dict, prefixes: tuple[str, ...]) -> list[str]:
    wrong = []
    for key, (value, status, *_unit) in gold["cells"].items():
        if not key.startswith(prefixes):
            continue
        cell = report.cells.get(key)
        if cell is None or cell.value != value or cell.status != status:
            wrong.append(
                f"{key}: {cell.raw if cell else None!r} ({cell.status if cell else None}), gold {value}"
            )
    return wrong


def _no_wrong_number_is_certain(report, gold: dict) -> None:
    for key, (value, _status, *_unit) in gold["cells"].items():
        cell = report.cells.get(key)
        if cell is not None and cell.ocr is not None and cell.ocr.certain:
            assert cell.value == value, f"{key} marked certain but read {cell.raw!r} (gold {value})"


# ---------------------------------------------------------------- whole scans


@pytest.fixture(scope="module")
def huaian_table_pages(realdocs, tmp_path_factory):
    """Pages 3–5 of 淮安 2024 scanned at 150 dpi with a stamp, 2.5° skew, blur, noise and JPEG:
    表二 continues from page 3 onto page 4 and 表三 from page 4 onto page 5, without a repeated
    header."""
    path = tmp_path_factory.mktemp("scans") / "huaian_p3-5.pdf"
    path.write_bytes(scan_pdf(realdocs / "huaian_gov_2024.pdf", 150, HARSH, seed=17, pages=[2, 3, 4]))
    return analyze_document(read_document(path))


def test_a_scanned_table_split_over_three_pages_reads_as_the_original(huaian_table_pages):
    report = huaian_table_pages
    assert report.source.format == "pdf" and report.source.pages == 3
    assert any(w.startswith("ocr_pages: page(s) 1–3 read by OCR") for w in report.warnings)
    gold = GOLD["huaian_gov_2024"]
    prefixes = ("t2.art20_5", "t2.art20_6", "t2.art20_8", "t3.", "t4.")
    total = sum(1 for key in gold["cells"] if key.startswith(prefixes))
    wrong = _cells_as_gold(report, gold, prefixes)
    assert len(wrong) <= 0.03 * total, wrong  # done means ≥ 97 % at 150 dpi with skew and noise
    _no_wrong_number_is_certain(report, gold)


def test_every_value_read_by_ocr_keeps_its_provenance(huaian_table_pages):
    read = [c for k, c in huaian_table_pages.cells.items() if k.startswith(("t3.", "t4.")) and c.raw]
    assert len(read) == 190 and all(c.ocr is not None for c in read)
    assert all(c.confidence == c.ocr.confidence and 0 < c.ocr.confidence <= 1 for c in read)
    # 淮安 2024's tables hold: the identities confirm nearly every value, and question the
    # few that a wrong reading puts in a failing identity.
    verdicts = [c.ocr.verdict for c in read]
    assert verdicts.count("confirmed") >= 0.9 * len(read)
    assert set(verdicts) <= {"confirmed", "questioned", "alternative_fits"}
    assert all(c.ocr.certain == (c.ocr.verdict == "confirmed") for c in read)


def test_a_pdf_mixing_text_pages_and_scanned_pages(realdocs, tmp_path):
    """洪泽 2024: pages 1–2 keep their text layer, pages 3–5 are scans; the report reads as the
    original: meta, sections, every cell."""
    source = realdocs / "hongze_gov_2024.pdf"
    scanned = pdfium.PdfDocument(scan_pdf(source, 150, HARSH, seed=3, pages=[2, 3, 4]))
    mixed = pdfium.PdfDocument(str(source))
    mixed.del_page(4)
    mixed.del_page(3)
    mixed.del_page(2)
    mixed.import_pages(scanned)
    path = tmp_path / "hongze_mixed.pdf"
    mixed.save(str(path))
    report = analyze_file(path)
    gold = GOLD["hongze_gov_2024"]
    assert any(w.startswith("ocr_pages: page(s) 3–5 read by OCR") for w in report.warnings)
    assert report.source.pages == 5
    for field in ("organ", "year", "template"):
        assert getattr(report.meta, field) == gold["meta"][field]
    assert {s.key: s.title for s in report.sections} == {k: v for k, v in gold["sections"].items() if v}
    assert _cells_as_gold(report, gold, ("t",)) == []
    original = analyze_file(source)

    def items(r):  # the text layer spaces "2024 年" where the print shows no space
        return [(i.kind, "".join(i.text.split())) for i in r.items]

    assert items(report) == items(original)
    assert [c.id for c in report.failed_checks()] == sorted(gold["checks_failed"])


def test_a_page_image_is_a_report_of_one_page(realdocs, tmp_path):
    """A photo-like JPEG of 洪泽 2023 page 4 (表三's end and 表四), turned 3.5° the other way;
    洪泽 2023's 表四 does not add up in the source, so its values are questioned, not certain."""
    page = render_pages(realdocs / "hongze_gov_2023.pdf", 150, [3])[0]
    from .scanmaker import degrade

    how = Degradation(skew=-3.5, blur=0.9, noise=12.0, jpeg=70, stamp=True)
    path = tmp_path / "hongze_2023_p4.jpg"
    path.write_bytes(encode(degrade(page, 150, how, seed=5), how))
    doc = read_document(path)
    assert doc.format == "image" and doc.pages == 1
    report = analyze_document(doc)
    gold = GOLD["hongze_gov_2023"]
    assert _cells_as_gold(report, gold, ("t4.",)) == []
    review = [report.cells[f"t4.review.{c}"] for c in ("upheld", "corrected", "total")]
    assert [c.value for c in review] == [10, 1, 0]
    assert all(c.ocr.verdict == "questioned" and not c.ocr.certain for c in review)
    _no_wrong_number_is_certain(report, gold)


# ---------------------------------------------------------------- the engine and its hazards


def _line_image(text: str, height: int = 24) -> np.ndarray:
    font = ImageFont.truetype(_serif_font(), height)
    width = int(font.getlength(text)) + 2 * height
    image = Image.new("L", (width, int(height * 2)), 255)
    ImageDraw.Draw(image).text((height, height // 3), text, font=font, fill=0)
    return np.array(image)


def _serif_font() -> str:
    import matplotlib.font_manager as fm

    for name in ("DejaVu Serif", "DejaVu Sans"):
        path = fm.findfont(fm.FontProperties(family=name), fallback_to_default=True)
        if path:
            return path
    pytest.skip("no TrueType font")


@pytest.mark.parametrize(
    ("printed", "read"),
    [("1O5", "105"), ("3O0", "300"), ("l2", "12"), ("2l", "21")],
    ids=["O-as-0", "O-in-300", "l-as-1", "trailing-l"],
)
def test_a_letter_in_a_number_cell_is_read_as_the_digit_it_looks_like(printed, read):
    reading = recognizer().read([_line_image(printed)])[0]
    assert reading.number and reading.text == read


def test_a_6_or_an_8_always_carries_its_twin_as_an_alternative():
    six, eight = recognizer().read([_line_image("36"), _line_image("38")])
    assert six.text == "36" and "38" in six.alternatives
    assert eight.text == "38" and "36" in eight.alternatives


def test_text_is_not_decoded_as_a_number():
    reading = recognizer().read([_line_image("2020")])[0]
    assert reading.number and reading.text == "2020"
    assert not looks_numeric("第二十条") and not looks_numeric("—") and looks_numeric("1O")


def test_a_speck_next_to_a_number_is_not_a_decimal_point():
    assert ocr_module._number_shape([(9, 0), (11, 1)], "\0" + "0123456789.-") == [(9, 0)]  # "8." → "8"
    assert ocr_module._number_shape([(12, 0), (4, 1)], "\0" + "0123456789.-") == [(12, 0), (4, 1)]  # "-3"


# ---------------------------------------------------------------- what the identities say


def _t4(values: dict[str, str], ocr: dict[str, list[str]] | None = None) -> dict[str, Cell]:
    cells = {}
    for group in ("review", "suit_direct", "suit_after_review"):
        for col in ("upheld", "corrected", "other", "pending", "total"):
            key = f"t4.{group}.{col}"
            raw = values.get(key, "0")
            cell = parse_cell(raw)
            cell.ocr = OcrReading(confidence=0.9, alternatives=(ocr or {}).get(key, []))
            cell.confidence = 0.9
            cells[key] = cell
    return cells


def _judge(cells: dict[str, Cell]) -> list[str]:
    return judge_ocr_cells(cells, table_checks(cells, {"t2": "absent", "t3": "absent", "t4": "filled"}))


def test_an_8_whose_6_is_the_only_reading_that_makes_r4_hold_is_marked_not_changed():
    # Printed 维持 6 + 纠正 2 = 总计 8; the engine read 维持 as 8 and offered 6.
    cells = _t4(
        {"t4.review.upheld": "8", "t4.review.corrected": "2", "t4.review.total": "8"},
        {"t4.review.upheld": ["6"]},
    )
    warnings = _judge(cells)
    upheld = cells["t4.review.upheld"]
    assert upheld.value == 8 and upheld.raw == "8"  # never silently changed
    assert upheld.ocr.verdict == "alternative_fits" and upheld.ocr.suggested == "6"
    assert not upheld.ocr.certain
    assert cells["t4.review.corrected"].ocr.verdict == "questioned"
    assert any(w.startswith("ocr_alternative_fits: t4.review.upheld read 8") for w in warnings)
    assert all(cells[f"t4.suit_direct.{c}"].ocr.verdict == "confirmed" for c in ("upheld", "total"))


def test_two_readings_that_would_each_make_the_row_hold_decide_nothing():
    cells = _t4(
        {"t4.review.upheld": "8", "t4.review.corrected": "2", "t4.review.total": "8"},
        {"t4.review.upheld": ["6"], "t4.review.total": ["10"]},
    )
    _judge(cells)
    assert cells["t4.review.upheld"].ocr.verdict == "questioned"
    assert cells["t4.review.total"].ocr.verdict == "questioned"


def test_a_wrong_reading_the_checks_cannot_reach_is_not_certain_without_a_sure_engine():
    cells = _t4({})
    cells["t4.review.total"] = Cell(value=None, raw=None, status="missing")
    cells["t4.review.upheld"].ocr = OcrReading(confidence=0.95, alternatives=["8"])
    _judge(cells)
    upheld = cells["t4.review.upheld"].ocr
    assert upheld.verdict == "unchecked" and not upheld.certain


# ---------------------------------------------------------------- without the engine


def test_without_the_engine_a_scan_gets_one_line_saying_what_to_install(realdocs, tmp_path, monkeypatch):
    page = render_pages(realdocs / "hongze_gov_2024.pdf", 100, [0])[0]
    path = tmp_path / "scan.pdf"
    path.write_bytes(image_pdf([encode(page, Degradation(jpeg=80))], 100))

    def missing(engine: str = "rapidocr"):
        raise ocr_module.OcrUnavailable(
            f"no OCR engine installed (onnxruntime missing): {ocr_module.INSTALL_HINT}"
        )

    monkeypatch.setattr(ocr_module, "recognizer", missing)
    with pytest.raises(InputError) as err:
        read_document(path)
    message = str(err.value)
    assert "scan.pdf" in message and "pip install 'xxgk-nlp[ocr]'" in message and "\n" not in message


def test_a_damaged_image_is_a_clear_error(tmp_path):
    path = tmp_path / "page.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(InputError, match="cannot decode the image"):
        read_document(path)


def test_reading_join_keeps_the_weakest_confidence():
    joined = Reading.join([Reading("（二）部分公开", 0.99), Reading("（区分处理的）", 0.8)], "")
    assert joined.text == "（二）部分公开（区分处理的）" and joined.confidence == 0.8


def test_punctuation_after_chinese_is_set_full_width():
    assert chinese_punctuation("措施,严格履行程序;继续") == "措施，严格履行程序；继续"
    assert chinese_punctuation("96171.6, 3:2 and a,b") == "96171.6, 3:2 and a,b"
