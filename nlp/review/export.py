"""Export of the results database to CSV, XLSX or Parquet for spreadsheets and data tools.

One wide table (a row per report, a column per cell key) for comparing reports, and the long
tables as stored. Rows are streamed from SQLite, so a corpus of any size exports in flat memory.
docs/storage.md lists the columns.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import Literal

from nlp.audit.reviewdb import export_tables as review_export_tables
from nlp.batch.store import StoreError, open_readonly
from nlp.review.display import cell_titles, value_name

ExportType = Literal["text", "int", "float"]
_REPORTS_PER_CHUNK = 500
_XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
_XLSX_MAX_TEXT = 32_767  # Excel's limit per cell


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


class ExportError(Exception):
    """The export cannot be written (a library is missing, the folder is not writable)."""


@dataclass(frozen=True)
class Column:
    name: str  # the header in CSV and Parquet
    title: str  # the Chinese header in XLSX
    type: ExportType


# Every long table says which report a row is of: the file, the organ and the year beside the hash.
_REPORT_OF_ROW = "r.sha256, r.path, r.organ, r.year"
_REPORT_OF_ROW_COLUMNS = [
    Column("sha256", "内容哈希", "text"),
    Column("path", "文件", "text"),
    Column("organ", "机关", "text"),
    Column("year", "年度", "int"),
]


@dataclass
class ExportTable:
    name: str  # file name (CSV, Parquet)
    sheet: str  # sheet name (XLSX)
    columns: list[Column]
    rows: Callable[[], Iterator[tuple]]  # called once, when the table is written


# ---------------------------------------------------------------- the tables

_REPORT_COLUMNS = [
    Column("sha256", "内容哈希", "text"),
    Column("path", "文件", "text"),
    Column("format", "格式", "text"),
    Column("pages", "页数", "int"),
    Column("title", "标题", "text"),
    Column("organ", "机关", "text"),
    Column("level", "层级", "text"),
    Column("province", "省份", "text"),
    Column("places", "地区", "text"),
    Column("year", "年度", "int"),
    Column("template", "格式", "text"),
    Column("sections_found", "找到章节数", "int"),
    Column("cells_found", "找到单元格数", "int"),
    Column("cells_total", "模板单元格数", "int"),
    Column("checks_failed", "未通过核对数", "int"),
]

_LONG_TABLES: list[tuple[str, str, str, list[Column]]] = [
    (
        "cells",
        "单元格",
        f"SELECT {_REPORT_OF_ROW}, c.key, c.value, c.status, c.raw, c.unit, c.confidence"
        " FROM cells c JOIN reports r ON r.id = c.report ORDER BY c.report, c.key",
        [
            *_REPORT_OF_ROW_COLUMNS,
            Column("key", "单元格", "text"),
            Column("value", "数值", "float"),
            Column("status", "状态", "text"),
            Column("raw", "原文", "text"),
            Column("unit", "单位", "text"),
            Column("confidence", "置信度", "float"),
        ],
    ),
    (
        "checks",
        "核对",
        f"SELECT {_REPORT_OF_ROW}, c.id, c.rule, c.status, c.lhs, c.rhs, c.cells, c.message"
        " FROM checks c JOIN reports r ON r.id = c.report ORDER BY c.report, c.id",
        [
            *_REPORT_OF_ROW_COLUMNS,
            Column("id", "核对编号", "text"),
            Column("rule", "规则", "text"),
            Column("status", "结果", "text"),
            Column("lhs", "合计（表格）", "float"),
            Column("rhs", "分项（正文）", "float"),
            Column("cells", "涉及单元格", "text"),
            Column("message", "说明", "text"),
        ],
    ),
    (
        "sections",
        "章节",
        f"SELECT {_REPORT_OF_ROW}, s.key, s.ordinal, s.title"
        " FROM sections s JOIN reports r ON r.id = s.report ORDER BY s.report, s.id",
        [
            *_REPORT_OF_ROW_COLUMNS,
            Column("key", "章节", "text"),
            Column("ordinal", "序号", "int"),
            Column("title", "标题", "text"),
        ],
    ),
    (
        "paragraphs",
        "段落",
        f"SELECT {_REPORT_OF_ROW}, p.position, p.section, p.heading, p.label, p.confidence, p.text"
        " FROM paragraphs p JOIN reports r ON r.id = p.report ORDER BY p.report, p.position",
        [
            *_REPORT_OF_ROW_COLUMNS,
            Column("position", "段落序号", "int"),
            Column("section", "章节", "text"),
            Column("heading", "小标题", "text"),
            Column("label", "分类", "text"),
            Column("confidence", "置信度", "float"),
            Column("text", "文本", "text"),
        ],
    ),
    (
        "items",
        "问题与措施",
        f"SELECT {_REPORT_OF_ROW}, i.position, i.kind, i.section, i.paragraph, i.text"
        " FROM items i JOIN reports r ON r.id = i.report ORDER BY i.report, i.position",
        [
            *_REPORT_OF_ROW_COLUMNS,
            Column("position", "序号", "int"),
            Column("kind", "类型", "text"),
            Column("section", "章节", "text"),
            Column("paragraph", "段落序号", "int"),
            Column("text", "文本", "text"),
        ],
    ),
    (
        "errors",
        "错误",
        "SELECT path, sha256, status, stage, message, recorded_at FROM errors ORDER BY id",
        [
            Column("path", "文件", "text"),
            Column("sha256", "内容哈希", "text"),
            Column("status", "状态", "text"),
            Column("stage", "阶段", "text"),
            Column("message", "说明", "text"),
            Column("recorded_at", "记录时间", "text"),
        ],
    ),
    (
        "files",
        "文件",
        "SELECT path, sha256, status, output, size, checked_at FROM files ORDER BY path",
        [
            Column("path", "文件", "text"),
            Column("sha256", "内容哈希", "text"),
            Column("status", "状态", "text"),
            Column("output", "JSON文件", "text"),
            Column("size", "字节数", "int"),
            Column("checked_at", "检查时间", "text"),
        ],
    ),
]


def _rule_order(rule: str) -> tuple[str, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", rule)
    return (m.group(1), int(m.group(2))) if m else (rule, 0)


def _wide_table(db: sqlite3.Connection) -> ExportTable:
    """One row per report: its metadata, failed checks per rule, then every cell's value."""
    titles = cell_titles()
    order = {key: i for i, key in enumerate(titles)}
    keys = sorted(
        (k for (k,) in db.execute("SELECT DISTINCT key FROM cells")),
        key=lambda k: (order.get(k, len(order)), k),
    )
    rules = sorted((r for (r,) in db.execute("SELECT DISTINCT rule FROM checks")), key=_rule_order)
    columns = [
        *_REPORT_COLUMNS,
        *(Column(f"checks_failed_{r}", f"未通过核对数·{r}", "int") for r in rules),
        *(Column(k, titles.get(k, k), "float") for k in keys),
    ]
    meta = ", ".join(c.name for c in _REPORT_COLUMNS)

    def rows() -> Iterator[tuple]:
        reports = db.execute(f"SELECT id, {meta} FROM reports ORDER BY id")
        while chunk := reports.fetchmany(_REPORTS_PER_CHUNK):
            ids = [row[0] for row in chunk]
            marks = ",".join("?" * len(ids))
            values: dict[int, dict[str, object]] = {i: {} for i in ids}
            for report, key, value in db.execute(
                f"SELECT report, key, value FROM cells WHERE report IN ({marks})", ids
            ):
                values[report][key] = value
            failed: dict[int, dict[str, int]] = {i: {} for i in ids}
            for report, rule, count in db.execute(
                f"SELECT report, rule, COUNT(*) FROM checks WHERE status = 'fail' AND report IN ({marks})"
                " GROUP BY report, rule",
                ids,
            ):
                failed[report][rule] = count
            for row in chunk:
                report = row[0]
                yield (
                    *row[1:],
                    *(failed[report].get(r, 0) for r in rules),
                    *(values[report].get(k) for k in keys),
                )

    return ExportTable("reports", "报告", columns, rows)


def export_tables(database: Path, folder: Path, fmt: ExportFormat) -> list[tuple[Path, int]]:
    """Write the wide table and the long tables; returns each file written with its row count."""
    try:
        db = open_readonly(database)  # also on read-only media
    except StoreError as exc:
        raise ExportError(str(exc)) from None
    try:
        tables = [_wide_table(db)]
        for name, sheet, sql, columns in _LONG_TABLES:
            tables.append(ExportTable(name, sheet, columns, lambda sql=sql: _stream(db, sql)))
        for name, sheet, sql, titled in review_export_tables(db):  # findings, decisions, indicators
            tables.append(
                ExportTable(name, sheet, [Column(*c) for c in titled], lambda sql=sql: _stream(db, sql))
            )
        folder.mkdir(parents=True, exist_ok=True)
        writer = {ExportFormat.csv: _write_csv, ExportFormat.xlsx: _write_xlsx}.get(fmt, _write_parquet)
        return writer(tables, folder)
    except sqlite3.DatabaseError as exc:
        raise ExportError(f"{database}: cannot read the results database ({exc})") from None
    except OSError as exc:
        raise ExportError(f"{exc.filename or folder}: cannot write ({exc.strerror})") from None
    finally:
        db.close()


def _stream(db: sqlite3.Connection, sql: str) -> Iterator[tuple]:
    cursor = db.execute(sql)
    while batch := cursor.fetchmany(10_000):
        yield from batch


# ---------------------------------------------------------------- writers


def write_items_csv(database: Path, path: Path) -> int:
    """Every problem and measure item of the batch, one row each (report, organ, year, kind,
    text), for reviewers; written to a temporary file and renamed, so never half-written."""
    tmp = path.with_name(f".{path.name}.tmp")
    db = sqlite3.connect(database)
    count = 0
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["report", "organ", "year", "kind", "text"])
            for row in _stream(
                db,
                "SELECT r.path, coalesce(r.organ, ''), coalesce(r.year, ''), i.kind, i.text"
                " FROM items i JOIN reports r ON r.id = i.report ORDER BY r.path, i.position",
            ):
                out.writerow(row)
                count += 1
        tmp.replace(path)
    finally:
        db.close()
        tmp.unlink(missing_ok=True)
    return count


def _write_csv(tables: list[ExportTable], folder: Path) -> list[tuple[Path, int]]:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly."""
    written = []
    for table in tables:
        path = folder / f"{table.name}.csv"
        count = 0
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle)
            out.writerow([c.name for c in table.columns])
            for row in table.rows():
                out.writerow(row)
                count += 1
        written.append((path, count))
    return written


def _write_xlsx(tables: list[ExportTable], folder: Path) -> list[tuple[Path, int]]:
    """One workbook, a sheet per table, Chinese titles, header frozen; long tables continue on more sheets."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font
    except ImportError:
        raise ExportError("xlsx export needs openpyxl: pip install 'xxgk-nlp[export]'") from None
    path = folder / "xxgk.xlsx"
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def clean(value: object) -> object:
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("", value)[:_XLSX_MAX_TEXT]
        return value

    def new_sheet(table: ExportTable, number: int):  # -> openpyxl WriteOnlyWorksheet
        sheet = book.create_sheet(table.sheet if number == 1 else f"{table.sheet} {number}")
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.title)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        return sheet

    total = 0
    for table in tables:
        number, in_sheet = 1, 0
        sheet = new_sheet(table, number)
        for row in table.rows():
            if in_sheet == _XLSX_MAX_ROWS - 1:
                number, in_sheet = number + 1, 0
                sheet = new_sheet(table, number)
            sheet.append(
                [
                    # people read names in XLSX; CSV and Parquet keep the keys
                    clean(value_name(table.name, c.name, v) or v)
                    for c, v in zip(table.columns, row, strict=True)
                ]
            )
            in_sheet += 1
            total += 1
    keys = book.create_sheet("列说明")
    keys.freeze_panes = "A2"
    keys.append(["表", "列标题", "列名（CSV/Parquet）"])
    for table in tables:
        for column in table.columns:
            keys.append([table.sheet, column.title, column.name])
    book.save(path)
    return [(path, total)]


def _write_parquet(tables: list[ExportTable], folder: Path) -> list[tuple[Path, int]]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("parquet export needs pyarrow: pip install 'xxgk-nlp[export]'") from None
    types = {"text": pa.string(), "int": pa.int64(), "float": pa.float64()}
    written = []
    for table in tables:
        path = folder / f"{table.name}.parquet"
        schema = pa.schema([(c.name, types[c.type]) for c in table.columns])
        count = 0
        rows = table.rows()
        with pq.ParquetWriter(path, schema) as out:
            while chunk := list(islice(rows, 50_000)):
                columns = list(zip(*chunk, strict=True))
                out.write_table(
                    pa.Table.from_arrays(
                        [pa.array(col, type=schema.field(i).type) for i, col in enumerate(columns)],
                        schema=schema,
                    )
                )
                count += len(chunk)
            if count == 0:
                out.write_table(schema.empty_table())
        written.append((path, count))
    return written
