"""`xxgk serve OUT_DIR`: browse the results database in Datasette (the optional `serve` extra).

Datasette gets a metadata file written here — Chinese titles of tables and columns, facets on
organ, year, level, province, template, label and kind, the FTS5 tables wired to the tables and
views they index — a table template that heads each column with its Chinese title, and the
plugin `nlp.review.datasette_plugin` (the `jieba_match` SQL function of the canned Chinese searches,
coded values shown by name).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

from nlp.batch.output import write_atomic
from nlp.batch.store import DB_NAME, schema_columns
from nlp.review.display import column_title

DATABASE = DB_NAME.removesuffix(".sqlite")
METADATA_NAME = "datasette.json"
TEMPLATES = Path(__file__).with_name("datasette_templates")

# The canned searches name their columns in Chinese: their pages are read, not queried.
_SEARCH_SQL = {
    "paragraphs": (
        "SELECT r.organ AS 机关, r.year AS 年度, r.level AS 层级, r.province AS 省份,"
        " p.section AS 章节, p.label AS 分类, p.confidence AS 置信度, p.text AS 文本"
        " FROM paragraphs_fts f JOIN paragraphs p ON p.id = f.rowid JOIN reports r ON r.id = p.report"
        " WHERE paragraphs_fts MATCH jieba_match(:words) ORDER BY f.rank LIMIT 200"
    ),
    "items": (
        "SELECT r.organ AS 机关, r.year AS 年度, r.level AS 层级, r.province AS 省份,"
        " i.kind AS 类型, i.text AS 文本"
        " FROM items_fts f JOIN items i ON i.id = f.rowid JOIN reports r ON r.id = i.report"
        " WHERE items_fts MATCH jieba_match(:words) ORDER BY f.rank LIMIT 200"
    ),
}


class ServeError(Exception):
    """Datasette is not installed, or there is no database to serve."""


def datasette_metadata() -> dict:
    """Datasette metadata for an xxgk results database (docs/storage.md)."""
    place = ["organ", "year", "level", "province"]
    tables = {
        "reports": {
            "title": "报告",
            "label_column": "organ",
            "facets": [*place, "template", "checks_failed"],
            "sort_desc": "year",
        },
        "paragraphs": {
            "title": "段落",
            "facets": ["label", "section"],
            "fts_table": "paragraphs_fts",
            "fts_pk": "id",
        },
        "paragraph_list": {
            "title": "段落（含机关、年度）",
            "facets": [*place, "label", "section"],
            "fts_table": "paragraphs_fts",
            "fts_pk": "id",
        },
        "items": {"title": "问题与措施", "facets": ["kind"], "fts_table": "items_fts", "fts_pk": "id"},
        "item_list": {
            "title": "问题与措施（含机关、年度）",
            "facets": [*place, "kind"],
            "fts_table": "items_fts",
            "fts_pk": "id",
        },
        "checks": {"title": "核对", "facets": ["rule", "status"]},
        "check_list": {"title": "核对（含机关、年度）", "facets": [*place, "template", "rule", "status"]},
        "cells": {"title": "单元格", "facets": ["status", "unit"]},
        "errors": {"title": "未能分析的文件", "facets": ["status", "stage"]},
        "files": {"title": "输入文件", "facets": ["status"]},
        "sections": {"title": "章节", "facets": ["key"]},
        **{name: {"hidden": True} for name in ("paragraphs_fts", "items_fts", "store_info")},
    }
    for table, columns in schema_columns().items():
        if table in tables and not tables[table].get("hidden"):
            tables[table]["columns"] = {c: column_title(table, c) for c in columns}
    queries = {
        "search_paragraphs": {
            "title": "全文检索段落（中文自动分词）",
            "sql": _SEARCH_SQL["paragraphs"],
        },
        "search_items": {"title": "全文检索问题与措施（中文自动分词）", "sql": _SEARCH_SQL["items"]},
    }
    return {
        "title": "政府信息公开工作年度报告 · 分析结果",
        "description": "xxgk analyze 的结果库：报告、段落分类、问题与措施、统计表单元格与核对结果。",
        "databases": {DATABASE: {"tables": tables, "queries": queries}},
    }


def write_metadata(output: Path) -> Path:
    """The metadata file beside the database, or in the temporary folder when the output folder
    cannot be written (results on read-only media)."""
    folder = output if os.access(output, os.W_OK) else Path(tempfile.gettempdir())
    path = folder / (METADATA_NAME if folder == output else f"xxgk-{os.getpid()}-{METADATA_NAME}")
    write_atomic(path, json.dumps(datasette_metadata(), ensure_ascii=False, indent=2))
    return path


def datasette_command(output: Path, host: str, port: int) -> list[str]:
    """The command that serves OUTPUT's database; raises ServeError when that cannot work."""
    database = output / DB_NAME
    if not database.is_file():
        raise ServeError(f"{database}: no results database here; run `xxgk analyze -o {output}` first")
    if importlib.util.find_spec("datasette") is None:
        raise ServeError("xxgk serve needs Datasette: pip install 'xxgk-nlp[serve]'")
    metadata = write_metadata(output)
    # -P: `python -m` would otherwise put the working folder first on the module path. A
    # database in a folder it cannot write is opened immutable (-i): read-only media.
    database_option = [str(database)] if os.access(output, os.W_OK) else ["-i", str(database)]
    return [
        sys.executable, "-P", "-m", "datasette", "serve", *database_option,
        "--metadata", str(metadata), "--template-dir", str(TEMPLATES),
        "--host", host, "--port", str(port),
    ]  # fmt: skip


def run_datasette(output: Path, host: str, port: int) -> None:
    """Become Datasette (exec, same process id): a `kill` of `xxgk serve` stops the server, and no
    server is left behind without its parent."""
    command = datasette_command(output, host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
