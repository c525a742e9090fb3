"""Coverage: which of the units an office expects a report from have none for a year, and which
published one whose tables were not filled.

The expected units come as a CSV of name, level, district (headers in English or Chinese:
名称/单位, 层级, 地区/区县). A report is matched to a unit across the ways one organ is named:
the 人民政府 and its 政府办公室 (which often publishes for it), 镇 and 乡 (a township renamed),
with or without the places above it (淮安市洪泽区人民政府 and 洪泽区人民政府), and with spaces or
full-width characters. A match on the name as printed is taken first; a district given in the
CSV must agree with the report's places when the report names any.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from nlp.audit.findings import StoredRow, current_rows, stored_rows
from nlp.audit.reviewdb import ReviewError
from nlp.read.normalize import nfkc

CoverageStatus = Literal["published", "not_filled", "tables_missing", "missing"]
STATUS_NAMES: dict[CoverageStatus, str] = {
    "published": "已发布",
    "not_filled": "已发布，统计表未填写",
    "tables_missing": "已发布，缺少统计表",
    "missing": "未发布",
}
_HEADERS = {
    "name": ("name", "名称", "单位", "单位名称", "机关", "机关名称"),
    "level": ("level", "层级", "级别"),
    "district": ("district", "地区", "区县", "所属地区", "所属区县"),
}
# The tails of an organ's name that do not change which unit it is; the longest first.
_GOVERNMENT_TAILS = (
    "人民政府办公室",
    "人民政府办公厅",
    "人民政府办",
    "人民政府",
    "政府办公室",
    "政府办公厅",
    "政府办",
    "政府",
)
_OFFICE_TAILS = ("办事处",)  # 城关街道办事处 is 城关街道
_PLACE_END = "省市县区旗州盟"  # a shorter name matches a longer one only after one of these


@dataclass(frozen=True)
class ExpectedUnit:
    name: str
    level: str
    district: str
    line: int


@dataclass(frozen=True)
class CoverageRow:
    unit: ExpectedUnit
    status: CoverageStatus
    report: StoredRow | None = None
    matched: str = ""  # how the report's organ was matched: as printed, or the variant
    tables: list[str] = field(default_factory=list)  # the tables not filled / missing

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


@dataclass(frozen=True)
class Coverage:
    year: int
    rows: list[CoverageRow]
    unexpected: list[StoredRow]  # reports of the year that no expected unit matched

    def count(self, status: CoverageStatus) -> int:
        return sum(1 for r in self.rows if r.status == status)


def read_expected(path: Path) -> list[ExpectedUnit]:
    """The expected units of a CSV file (UTF-8, with or without BOM, or GB18030 as Excel in
    China saves it)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_expected(data, str(path))


def parse_expected(data: bytes, name: str) -> list[ExpectedUnit]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReviewError(f"{name}: not a text file in UTF-8 or GB18030")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ReviewError(f"{name}: empty; expected a header line name,level,district")
    header = [nfkc(h).strip().lower() for h in rows[0]]
    columns = {}
    for key, names in _HEADERS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if not found:
            raise ReviewError(
                f"{name}: no column {key} in the header ({','.join(rows[0])}); expected name,level,district"
            )
        columns[key] = found[0]
    units = []
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {key: row[i].strip() if i < len(row) else "" for key, i in columns.items()}
        if not cells["name"]:
            raise ReviewError(f"{name}: line {number}: no name")
        units.append(ExpectedUnit(cells["name"], cells["level"], cells["district"], number))
    if not units:
        raise ReviewError(f"{name}: no units listed under the header")
    return units


def _plain(name: str) -> str:
    return re.sub(r"\s+", "", nfkc(name))


def core_name(name: str) -> str:
    """The unit's place without the tails that vary (人民政府 / 政府办公室 / 办事处), and a
    township's 乡 or 镇 written as 镇: 湖源乡人民政府 → 湖源镇, 洪泽区政府办公室 → 洪泽区."""
    core = _plain(name)
    for tail in (*_GOVERNMENT_TAILS, *_OFFICE_TAILS):
        if core.endswith(tail) and len(core) > len(tail):
            core = core.removesuffix(tail)
            break
    if core.endswith("乡") and len(core) > 2:
        core = core[:-1] + "镇"
    return core


def same_core(a: str, b: str) -> bool:
    """Equal, or one is the other with the places above it (沙县湖源镇 and 湖源镇)."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 2 and long.endswith(short) and long[-len(short) - 1] in _PLACE_END


def _in_district(row: StoredRow, district: str) -> bool:
    """Whether the report can be of the CSV's district: it names that place above the township,
    or no place above the township at all (昌傅镇人民政府)."""
    above = [p for p in row.places if not p.endswith(("乡", "镇", "街道"))]
    if not district or not above:
        return True
    wanted = core_name(district)
    return any(same_core(core_name(place), wanted) for place in above)


def match(unit: ExpectedUnit, reports: Sequence[StoredRow]) -> tuple[StoredRow, str] | None:
    """The report of this unit among the year's reports: its name as printed, else a variant."""
    name = _plain(unit.name)
    for row in reports:
        if row.organ and _plain(row.organ) == name:
            return row, "名称一致"
    wanted = core_name(unit.name)
    for row in reports:
        if row.organ and same_core(core_name(row.organ), wanted) and _in_district(row, unit.district):
            return row, f"按名称变体匹配（{row.organ}）"
    return None


def coverage(db: sqlite3.Connection, expected: Sequence[ExpectedUnit], year: int) -> Coverage:
    """Each expected unit's report of the year, or its absence; the year's other reports."""
    reports = [row for (_, y), row in current_rows(stored_rows(db)).items() if y == year]
    used: set[str] = set()
    rows = []
    for unit in expected:
        found = match(unit, [r for r in reports if r.sha256 not in used]) or match(unit, reports)
        if found is None:
            rows.append(CoverageRow(unit, "missing"))
            continue
        report, how = found
        used.add(report.sha256)
        blank = [t for t, s in report.tables.items() if s == "not_filled"]
        absent = [t for t, s in report.tables.items() if s == "absent"]
        status: CoverageStatus = "not_filled" if blank else "tables_missing" if absent else "published"
        rows.append(CoverageRow(unit, status, report, how, blank or absent))
    unexpected = sorted((r for r in reports if r.sha256 not in used), key=lambda r: r.unit)
    return Coverage(year, rows, unexpected)


TABLE_NAMES = {"t2": "表二", "t3": "表三", "t4": "表四"}


def coverage_table(result: Coverage) -> tuple[list[str], list[list[str]]]:
    """The coverage list as a header and rows of text (for CSV, the terminal and the page)."""
    header = ["单位", "层级", "地区", "年度", "状态", "未填写或缺少的表", "报告机关", "匹配方式", "文件"]
    rows = [
        [
            r.unit.name,
            r.unit.level,
            r.unit.district,
            str(result.year),
            r.status_name,
            "、".join(TABLE_NAMES[t] for t in r.tables),
            (r.report.organ or "") if r.report else "",
            r.matched,
            r.report.path if r.report else "",
        ]
        for r in result.rows
    ]
    return header, rows


def write_coverage_csv(result: Coverage, path: Path) -> None:
    """The coverage list as CSV (UTF-8 with BOM, so that Excel reads the Chinese), atomically."""
    from nlp.batch.output import write_atomic

    header, rows = coverage_table(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    write_atomic(path, "\ufeff" + buffer.getvalue())
