"""The results database and its exports: what a user queries, searches and opens in Excel."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from nlp.batch.runner import LocalEngine, collect_inputs, run_batch
from nlp.batch.store import DB_NAME, ResultStore, StoreError
from nlp.cli import app
from nlp.review.display import cell_titles
from nlp.review.export import ExportFormat, export_tables

from .conftest import CORPUS, SHARED

runner = CliRunner()


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """The bundled corpus, a real v2021 report and a file that is not a report, analysed once."""
    folder = tmp_path_factory.mktemp("in")
    for seed in CORPUS.glob("*.txt"):
        (folder / seed.name).write_bytes(seed.read_bytes())
    (folder / "shuyang_gov_2025_ocr.txt").write_bytes(
        (SHARED / "realdocs" / "shuyang_gov_2025_ocr.txt").read_bytes()
    )
    (folder / "minutes.txt").write_text("会议纪要：讨论了办公用品采购事宜。\n", encoding="utf-8")
    output = tmp_path_factory.mktemp("out")
    files, _ = collect_inputs([folder])
    run_batch(files, output, LocalEngine(jobs=2, timeout=60))
    return output


def query(out: Path, sql: str, *parameters: object) -> list[tuple]:
    with closing(sqlite3.connect(out / DB_NAME)) as db:
        return db.execute(sql, parameters).fetchall()


def test_tables_hold_the_report_as_the_json_does(out):
    doc = json.loads((out / "shijiang-township_2020.json").read_text(encoding="utf-8"))
    (report_id, organ, level, year, template, failed, places) = query(
        out,
        "SELECT id, organ, level, year, template, checks_failed, places FROM reports WHERE sha256 = ?",
        doc["source"]["sha256"],
    )[0]
    assert (organ, level, year, template, failed) == ("石江乡人民政府", "township", 2020, "v2019", 4)
    assert json.loads(places) == doc["meta"]["region"]["places"]
    cell = query(
        out,
        "SELECT value, status, raw FROM cells WHERE report = ? AND key = 't3.new_received.natural_person'",
        report_id,
    )
    assert cell == [(1, "explicit_number", "1")]
    assert query(out, "SELECT COUNT(*) FROM cells WHERE report = ?", report_id) == [(len(doc["cells"]),)]
    failed_checks = query(
        out, "SELECT id FROM checks WHERE report = ? AND status = 'fail' ORDER BY id", report_id
    )
    assert [c for (c,) in failed_checks] == sorted(c["id"] for c in doc["checks"] if c["status"] == "fail")
    paragraphs = query(
        out,
        "SELECT section, heading, label, confidence, text FROM paragraphs WHERE report = ? ORDER BY position",
        report_id,
    )
    assert paragraphs == [
        (p["section"], p["heading"], p["label"], p["confidence"], p["text"]) for p in doc["paragraphs"]
    ]
    sections = query(out, "SELECT key, title FROM sections WHERE report = ? ORDER BY id", report_id)
    assert sections == [(s["key"], s["title"]) for s in doc["sections"]]
    with closing(ResultStore(out / DB_NAME)) as store:
        assert json.loads(store.document(doc["source"]["sha256"])) == doc


def test_indexes_exist_for_the_obvious_queries(out):
    names = {name for (name,) in query(out, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {
        "reports_organ_year",
        "reports_province_year",
        "reports_year_level",
        "cells_key_value",
        "checks_status_rule",
        "paragraphs_label",
        "items_kind",
        "errors_sha256",
        "files_sha256",
    } <= names
    plan = " ".join(
        row[-1]
        for row in query(out, "EXPLAIN QUERY PLAN SELECT report FROM cells WHERE key = ? AND value > 0", "k")
    )
    assert "cells_key_value" in plan


def test_chinese_full_text_search_finds_words_inside_sentences(out):
    with closing(ResultStore(out / DB_NAME)) as store:
        hits = store.search("未收到申请", limit=10)  # 昌傅镇 writes 未收到依申请公开事项
        assert {h.organ for h in hits} >= {"石江乡人民政府", "昌傅镇人民政府"}
        assert all("未收到" in h.text and "申请" in h.text for h in hits)
        assert store.search("行政复议", limit=50)  # a two-word term inside longer text
        assert store.search("量子计算", limit=10) == []


def test_not_reports_and_failures_are_listed_in_errors(out):
    assert query(out, "SELECT status, stage FROM errors") == [("not_a_report", "structure")]
    assert query(out, "SELECT COUNT(*) FROM reports") == [(6,)]


def test_a_database_of_another_store_version_is_refused(tmp_path):
    with closing(ResultStore(tmp_path / DB_NAME)) as store:
        store.db.execute("UPDATE store_info SET value = '0' WHERE key = 'store_version'")
    with pytest.raises(StoreError, match="store version 0"):
        ResultStore(tmp_path / DB_NAME)
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="not a usable xxgk database"):
        ResultStore(tmp_path / "junk.sqlite")


def test_csv_export_wide_and_long(out, tmp_path):
    written = dict(export_tables(out / DB_NAME, tmp_path, ExportFormat.csv))
    assert {p.name for p in written} == {
        "reports.csv",
        "cells.csv",
        "checks.csv",
        "sections.csv",
        "paragraphs.csv",
        "items.csv",
        "errors.csv",
        "files.csv",
    }
    wide = pd.read_csv(tmp_path / "reports.csv")
    assert len(wide) == 6 and written[tmp_path / "reports.csv"] == 6
    row = wide.set_index("organ").loc["石江乡人民政府"]
    assert row["t3.new_received.natural_person"] == 1
    assert row["t3.new_received.total"] == 0
    assert row["checks_failed"] == 4 and row["checks_failed_R3"] == 3 and row["checks_failed_N2"] == 1
    assert (row["level"], row["year"], row["template"]) == ("township", 2020, "v2019")
    assert wide.set_index("organ").loc["沐阳县人民政府", "year"] == 2025
    cells = pd.read_csv(tmp_path / "cells.csv")
    assert list(cells.columns) == [
        "sha256",
        "path",
        "organ",
        "year",
        "key",
        "value",
        "status",
        "raw",
        "unit",
        "confidence",
    ]
    assert set(cells["organ"]) <= set(wide["organ"])  # every row says whose it is
    assert len(cells) == query(out, "SELECT COUNT(*) FROM cells")[0][0]
    errors = pd.read_csv(tmp_path / "errors.csv")
    assert errors["status"].tolist() == ["not_a_report"]


def test_xlsx_export_has_chinese_titles_and_a_frozen_header(out, tmp_path):
    [(path, rows)] = export_tables(out / DB_NAME, tmp_path, ExportFormat.xlsx)
    book = load_workbook(path, read_only=False)
    assert book.sheetnames == [
        "报告",
        "单元格",
        "核对",
        "章节",
        "段落",
        "问题与措施",
        "错误",
        "文件",
        "列说明",
    ]
    sheet = book["报告"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["内容哈希", "文件", "格式"] and "机关" in header and "未通过核对数·R3" in header
    title = cell_titles()["t3.new_received.natural_person"]
    assert title == "表三·一、本年新收政府信息公开申请数量·自然人"
    column = header.index(title)
    organ = header.index("机关")
    values = {r[organ].value: r[column].value for r in sheet.iter_rows(min_row=2)}
    assert values["石江乡人民政府"] == 1
    assert book["单元格"].max_row - 1 == query(out, "SELECT COUNT(*) FROM cells")[0][0]
    assert rows == sum(book[name].max_row - 1 for name in book.sheetnames[:-1])
    levels = {r[organ].value: r[header.index("层级")].value for r in sheet.iter_rows(min_row=2)}
    assert levels["石江乡人民政府"] == "乡镇（街道）"  # people read names, not keys
    items = book["问题与措施"]
    item_header = [c.value for c in items[1]]
    assert item_header[:4] == ["内容哈希", "文件", "机关", "年度"]
    kinds = {r[item_header.index("类型")].value for r in items.iter_rows(min_row=2)}
    assert kinds <= {"存在问题", "改进措施"} and kinds
    key_sheet = pd.read_excel(path, sheet_name="列说明")
    assert ("报告", title, "t3.new_received.natural_person") in set(
        key_sheet.itertuples(index=False, name=None)
    )


def test_parquet_export_has_typed_columns(out, tmp_path):
    export_tables(out / DB_NAME, tmp_path, ExportFormat.parquet)
    wide = pd.read_parquet(tmp_path / "reports.parquet")
    assert wide["year"].dtype == "int64" and wide["t3.new_received.total"].dtype == "float64"
    assert sorted(wide["organ"])[:2] == ["岛石镇人民政府", "昌傅镇人民政府"]
    checks = pd.read_parquet(tmp_path / "checks.parquet")
    assert len(checks) == query(out, "SELECT COUNT(*) FROM checks")[0][0]
    items = pd.read_parquet(tmp_path / "items.parquet")
    assert list(items.columns) == [
        "sha256",
        "path",
        "organ",
        "year",
        "position",
        "kind",
        "section",
        "paragraph",
        "text",
    ]
    assert set(items["kind"]) <= {"problem", "measure"}  # Parquet keeps the keys


def test_export_and_search_commands(out, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["export", "-o", str(out), "--format", "csv", "--to", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'reports.csv'}  (6 rows)" in result.output
    result = runner.invoke(app, ["search", "未收到申请", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "石江乡人民政府" in result.output
    missing = runner.invoke(app, ["export", "-o", str(tmp_path / "nothing")])
    assert missing.exit_code == 1
    assert "no results database here" in missing.output
