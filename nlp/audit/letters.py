"""What goes back to the units: a 审核意见 letter (DOCX) per unit and year, and one workbook
(XLSX) for all units, with every confirmed finding in plain Chinese — the table, row and
column, both sides of the equation or the quoted sentence, a suggested fix — and a summary
sheet of counts by kind and unit. Dismissed and undecided findings are left out.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.audit.coverage import core_name, same_core
from nlp.audit.decisions import Correction, Decision, DecisionStore
from nlp.audit.findings import (
    Finding,
    FindingText,
    StoredRow,
    current_rows,
    finding_text,
    listed,
    stored_rows,
)
from nlp.audit.reviewdb import ReviewError
from nlp.audit.rulebook import KIND_NAMES
from nlp.batch.output import temporary_name
from nlp.batch.store import ResultStore
from nlp.models import Report

if TYPE_CHECKING:
    import sqlite3

WORKBOOK_NAME = "审核意见汇总.xlsx"
_NUMERALS = "一二三四五六七八九十"


def _chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (items of a letter)."""
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else _NUMERALS[tens - 1]}十{_NUMERALS[ones - 1] if ones else ''}"


@dataclass(frozen=True)
class ConfirmedFinding:
    finding: Finding
    decision: Decision
    text: FindingText
    corrections: list[str]  # "表四「行政复议」行「总计」列：报告为 0，审核认定为 11"


@dataclass
class Letter:
    """The letter to one unit about its report of one year."""

    report: StoredRow
    title: str | None
    findings: list[ConfirmedFinding] = field(default_factory=list)
    undecided: int = 0

    @property
    def name(self) -> str:
        return self.report.organ or self.report.unit

    @property
    def year(self) -> str:
        return str(self.report.year) if self.report.year else "（年度未识别）"

    def file_name(self) -> str:
        safe = re.sub(r'[\\/:*?"<>|\s]+', "_", f"审核意见_{self.name}_{self.year}")
        return safe[:120] + ".docx"


def matching_units(reference: str, units: set[str]) -> set[str]:
    """The units a name given on the command line means: as printed, or the same unit under
    another of its names (洪泽区人民政府, 淮安市洪泽区人民政府, 洪泽区政府办公室)."""
    plain = re.sub(r"\s+", "", reference)
    wanted = core_name(plain)
    return {u for u in units if u == plain or same_core(core_name(u), wanted)}


def gather(
    db: sqlite3.Connection,
    store: ResultStore,
    unit: str | None = None,
    year: int | None = None,
    report: str | None = None,
) -> list[Letter]:
    """The letters to write: for UNIT (any of its names), each of its reports (or the one of
    YEAR), with or without confirmed findings; for REPORT (a sha256), its letter; otherwise
    every report with a confirmed finding."""
    reports = current_rows(stored_rows(store.db))
    if report is not None:
        reports = {k: r for k, r in reports.items() if r.sha256 == report}
        if not reports:
            raise ReviewError(f"no report {report}")
    if unit is not None:
        wanted = matching_units(unit, {u for u, _ in reports})
        if not wanted:
            raise ReviewError(f"no report of a unit named {unit!r}")
        reports = {k: r for k, r in reports.items() if k[0] in wanted}
    if year is not None:
        reports = {k: r for k, r in reports.items() if k[1] == year}
        if not reports:
            raise ReviewError(f"no report of {unit or 'any unit'} for {year}")
    decisions = DecisionStore(db)
    letters: dict[str, Letter] = {}
    documents: dict[str, Report] = {}

    def document(sha: str | None) -> Report | None:
        if sha is None:
            return None
        if sha not in documents:
            documents[sha] = Report.model_validate_json(store.document(sha))
        return documents[sha]

    by_sha = {r.sha256: r for r in reports.values()}
    for finding, decided in listed(db):
        row = by_sha.get(finding.report)
        if row is None:
            continue
        letter = letters.get(row.sha256)
        if letter is None:
            found = document(row.sha256)
            letter = letters[row.sha256] = Letter(row, found.meta.title if found else None)
        if decided == "open":
            letter.undecided += 1
        if decided != "confirmed":
            continue
        found, earlier = document(finding.report), document(finding.earlier)
        decision = decisions.decision(finding.id)
        assert decision is not None
        text = finding_text(finding, found, earlier)
        fixed = decisions.corrections(finding.unit, finding.year)
        letter.findings.append(ConfirmedFinding(finding, decision, text, _corrections(finding, fixed, found)))
    named = unit is not None or report is not None
    if named:
        for row in reports.values():
            if row.sha256 not in letters:
                found = document(row.sha256)
                letters[row.sha256] = Letter(row, found.meta.title if found else None)
    chosen = [letter for letter in letters.values() if named or letter.findings]
    return sorted(chosen, key=lambda letter: (letter.report.unit, letter.report.year or 0))


def _corrections(finding: Finding, corrections: list[Correction], report: Report | None) -> list[str]:
    from nlp.audit.findings import place_of

    texts = []
    for correction in corrections:
        if correction.cell not in finding.cells:
            continue
        place = place_of(
            finding.model_copy(update={"cells": [correction.cell]}),
            report.meta.template if report else "v2021",
        )
        printed = correction.printed if correction.printed not in (None, "") else "空白"
        texts.append(f"{place.text()}：报告为 {printed}，审核认定为 {correction.value:g}")
    return texts


# ---------------------------------------------------------------- DOCX


def _font(run, size: float | None = None, bold: bool = False, face: str = "宋体") -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = face
    run.font.bold = bold
    if size:
        run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)  # CJK text's font


def _paragraph(
    document, text: str = "", size: float = 12, bold: bool = False, face: str = "宋体", align=None
):
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if text:
        _font(paragraph.add_run(text), size, bold, face)
    return paragraph


def _labelled(document, label: str, text: str) -> None:
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.left_indent = Pt(24)
    _font(paragraph.add_run(f"{label}："), 12, bold=True)
    _font(paragraph.add_run(text), 12)


def write_docx(letter: Letter, path: Path, today: date | None = None) -> None:
    """The 审核意见 of one unit's report as a Word document, written atomically."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
    _font_normal(document)
    report_name = letter.title or f"{letter.name}{letter.year}年政府信息公开工作年度报告"
    _paragraph(
        document,
        f"关于《{report_name}》的审核意见",
        size=16,
        bold=True,
        face="黑体",
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _paragraph(document, f"{letter.name}：")
    count = len(letter.findings)
    if count:
        kinds = Counter(f.text.kind for f in letter.findings)
        listing = "，".join(
            f"{k} {n} 个"
            for k, n in sorted(kinds.items(), key=lambda kv: list(KIND_NAMES.values()).index(kv[0]))
        )
        _paragraph(
            document,
            f"经审核，你单位{letter.year}年度政府信息公开工作年度报告存在以下 {count} 个问题（{listing}），"
            "请逐项核实，更正后重新发布。",
        )
    else:
        _paragraph(document, f"经审核，你单位{letter.year}年度政府信息公开工作年度报告未发现需要更正的问题。")
    for number, item in enumerate(letter.findings, 1):
        _paragraph(document, f"{_chinese_number(number)}、{item.text.problem}", bold=True)
        place = item.text.place
        where = place.text()
        if place.rows or place.columns:
            where += f"（表：{place.table}；行：{'、'.join(place.rows) or '—'}；列：{'、'.join(place.columns) or '—'}）"
        _labelled(document, "类别", f"{item.text.kind}（{item.finding.rule} {item.text.title}）")
        _labelled(document, "位置", where)
        _labelled(
            document,
            "原文" if item.finding.kind in ("narrative", "boilerplate") else "核对",
            item.text.evidence,
        )
        _labelled(document, "建议", item.text.fix)
        for text in item.corrections:
            _labelled(document, "审核更正", text)
        if item.decision.note:
            _labelled(document, "审核说明", item.decision.note)
    reviewers = sorted({f.decision.who for f in letter.findings})
    _paragraph(document)
    if reviewers:
        _paragraph(document, f"审核人：{'、'.join(reviewers)}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    day = today or date.today()
    _paragraph(document, f"{day.year}年{day.month}月{day.day}日", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _save(document, path)


def _font_normal(document) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


def _save(document, path: Path) -> None:
    """Save a python-docx / openpyxl document beside its final name, then rename it over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / temporary_name(path.name)
    try:
        document.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- XLSX

_COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("单位", 26),
    ("层级", 10),
    ("地区", 12),
    ("年度", 7),
    ("类别", 16),
    ("规则", 7),
    ("问题", 40),
    ("表", 8),
    ("行", 30),
    ("列", 20),
    ("核对或原文", 60),
    ("建议", 50),
    ("审核更正", 36),
    ("审核说明", 30),
    ("审核人", 10),
    ("审核时间", 20),
    ("编号", 14),
)


def write_workbook(letters: list[Letter], path: Path) -> None:
    """Every confirmed finding of every unit on one sheet; counts by kind and unit on another."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
    except ImportError:
        raise ReviewError("the XLSX needs openpyxl: pip install 'xxgk-nlp[review]'") from None
    from nlp.review.display import LEVEL_NAMES

    book = Workbook()
    sheet = book.active
    sheet.title = "审核意见"
    sheet.append([name for name, _ in _COLUMNS])
    number = 0
    for letter in letters:
        row = letter.report
        for item in letter.findings:
            number += 1
            place = item.text.place
            sheet.append(
                [
                    number,
                    letter.name,
                    LEVEL_NAMES.get(row.level, row.level),  # type: ignore[call-overload]
                    row.district or "",
                    row.year,
                    item.text.kind,
                    item.finding.rule,
                    item.text.problem,
                    place.table,
                    "、".join(place.rows),
                    "、".join(place.columns),
                    item.text.evidence,
                    item.text.fix,
                    "；".join(item.corrections),
                    item.decision.note,
                    item.decision.who,
                    item.decision.at[:19].replace("T", " "),
                    item.finding.id,
                ]
            )
    for column, (_, width) in enumerate(_COLUMNS, 1):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"

    summary = book.create_sheet("汇总")
    kinds = list(KIND_NAMES.values())
    summary.append(["单位", "年度", *kinds, "合计"])
    totals = Counter()
    for letter in letters:
        counts = Counter(item.text.kind for item in letter.findings)
        totals.update(counts)
        summary.append(
            [letter.name, letter.report.year, *(counts.get(k, 0) for k in kinds), sum(counts.values())]
        )
    summary.append(["合计", None, *(totals.get(k, 0) for k in kinds), sum(totals.values())])
    for cell in (*summary[1], *summary[summary.max_row]):
        cell.font = Font(bold=True)
    summary.column_dimensions["A"].width = 28
    summary.freeze_panes = "C2"
    _save(book, path)


def write_letters(
    db: sqlite3.Connection,
    store: ResultStore,
    folder: Path,
    unit: str | None = None,
    year: int | None = None,
) -> tuple[list[Letter], list[Path]]:
    """The DOCX letters (of UNIT, or of every unit with a confirmed finding) and the workbook of
    all units, into FOLDER; returns the letters and the files written."""
    letters = gather(db, store, unit, year)
    written = []
    for letter in letters:
        path = folder / letter.file_name()
        write_docx(letter, path)
        written.append(path)
    everyone = letters if unit is None and year is None else gather(db, store)
    write_workbook(everyone, folder / WORKBOOK_NAME)
    written.append(folder / WORKBOOK_NAME)
    return letters, written
