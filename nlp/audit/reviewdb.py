"""The reviewers' tables in the results database (OUT/xxgk.sqlite), beside the tables
`xxgk analyze` writes and never touched by it: a re-analysis, `--force` or a corrected
re-upload replaces reports, not what reviewers decided.

- `decisions`, `corrections`, `review_log`: what reviewers did (nlp.audit.decisions), keyed by stable
  finding ids and cell addresses (organ + year + …), not by report ids or file hashes;
- `findings`, `indicators`, `district_indicators`: derived from the reports (nlp.audit.findings,
  nlp.audit.indicators), rebuilt whole whenever the reports change (`review_info` keeps the stamp of
  what they were derived from).

docs/storage.md describes the columns. Every change is one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from nlp.batch.store import DB_NAME, StoreError, open_readonly
from nlp.errors import ReviewError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS review_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS findings (
    id TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    rule TEXT NOT NULL,
    check_id TEXT NOT NULL,
    status TEXT NOT NULL,
    unit TEXT NOT NULL,
    organ TEXT,
    year INTEGER,
    level TEXT NOT NULL,
    district TEXT,
    report TEXT NOT NULL,
    earlier TEXT,
    path TEXT NOT NULL,
    cells TEXT NOT NULL,
    lhs REAL,
    rhs REAL,
    message TEXT NOT NULL,
    quote TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS findings_unit_year ON findings (unit, year);
CREATE INDEX IF NOT EXISTS findings_report ON findings (report);
CREATE TABLE IF NOT EXISTS decisions (
    finding TEXT PRIMARY KEY,
    decision TEXT NOT NULL CHECK (decision IN ('open', 'confirmed', 'dismissed')),
    note TEXT NOT NULL,
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    identity TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS corrections (
    id TEXT PRIMARY KEY,
    unit TEXT NOT NULL,
    year INTEGER,
    cell TEXT NOT NULL,
    value REAL,
    printed TEXT,
    active INTEGER NOT NULL,
    note TEXT NOT NULL,
    who TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_unit_year ON corrections (unit, year);
CREATE TABLE IF NOT EXISTS review_log (
    seq INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT,
    origin TEXT NOT NULL,
    undone_by TEXT
);
CREATE INDEX IF NOT EXISTS review_log_target ON review_log (target, seq);
CREATE TABLE IF NOT EXISTS indicators (
    report TEXT NOT NULL,
    unit TEXT NOT NULL,
    organ TEXT,
    year INTEGER,
    level TEXT NOT NULL,
    district TEXT,
    indicator TEXT NOT NULL,
    name TEXT NOT NULL,
    numerator REAL,
    denominator REAL,
    value REAL,
    PRIMARY KEY (report, indicator)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS district_indicators (
    district TEXT,
    year INTEGER,
    indicator TEXT NOT NULL,
    name TEXT NOT NULL,
    reports INTEGER NOT NULL,
    numerator REAL,
    denominator REAL,
    value REAL
);
CREATE TABLE IF NOT EXISTS indicator_definitions (
    indicator TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    formula TEXT NOT NULL
);
"""


def now() -> str:
    """UTC time to the microsecond: the later of two changes wins when reviewers' work is merged."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def connect(output: Path) -> sqlite3.Connection:
    """A writing connection to OUTPUT/xxgk.sqlite with the reviewers' tables created."""
    database = output / DB_NAME
    if not database.is_file():
        raise ReviewError(f"{database}: no results database here; run `xxgk analyze -o {output}` first")
    try:
        db = sqlite3.connect(database, isolation_level=None, timeout=30, check_same_thread=False)
    except sqlite3.Error as exc:
        raise ReviewError(f"{database}: cannot open the database ({exc})") from None
    try:
        found = db.execute("SELECT name FROM sqlite_master WHERE name = 'store_info'").fetchone()
        if found is None:
            raise ReviewError(f"{database}: not an xxgk results database")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(_SCHEMA)
    except ReviewError:
        db.close()
        raise
    except sqlite3.Error as exc:
        db.close()
        raise ReviewError(f"{database}: cannot write the reviewers' tables ({exc})") from None
    return db


def connect_readonly(output: Path) -> sqlite3.Connection:
    """A reading connection (the reviewers' tables may be missing: nothing decided yet)."""
    try:
        return open_readonly(output / DB_NAME)
    except StoreError as exc:
        raise ReviewError(str(exc)) from None


def has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _case(column: str, names: dict[str, str]) -> str:
    """SQL that shows a key by its Chinese name (from the one dict that names it)."""
    cases = " ".join(f"WHEN '{key}' THEN '{name}'" for key, name in names.items())
    return f"CASE {column} {cases} ELSE {column} END"


def export_tables(db: sqlite3.Connection) -> list[tuple[str, str, str, list[tuple[str, str, str]]]]:
    """The reviewers' tables for `xxgk export`, as (file name, sheet, query, [(column, Chinese
    title, type)]); only those this database has (a folder never reviewed has none)."""
    from nlp.audit.rulebook import DECISION_NAMES, KIND_NAMES

    tables = [
        (
            "findings",
            "核对发现",
            "SELECT f.id, f.unit, f.year, f.level, f.district, " + _case("f.kind", dict(KIND_NAMES)) + ","
            " f.rule, f.check_id, f.status, f.message, "
            + _case("COALESCE(d.decision, 'open')", DECISION_NAMES)
            + ","
            " d.note, d.who, d.at, f.report"
            " FROM findings f LEFT JOIN decisions d ON d.finding = f.id ORDER BY f.position",
            [
                ("id", "编号", "text"),
                ("unit", "单位", "text"),
                ("year", "年度", "int"),
                ("level", "层级", "text"),
                ("district", "地区", "text"),
                ("kind", "类别", "text"),
                ("rule", "规则", "text"),
                ("check_id", "核对编号", "text"),
                ("status", "结果", "text"),
                ("message", "说明", "text"),
                ("decision", "审核", "text"),
                ("note", "审核说明", "text"),
                ("who", "审核人", "text"),
                ("decided_at", "审核时间", "text"),
                ("sha256", "内容哈希", "text"),
            ],
        ),
        (
            "corrections",
            "审核更正",
            "SELECT unit, year, cell, printed, value, note, who, at FROM corrections WHERE active = 1"
            " ORDER BY unit, year, cell",
            [
                ("unit", "单位", "text"),
                ("year", "年度", "int"),
                ("cell", "单元格键", "text"),
                ("printed", "报告所印", "text"),
                ("value", "审核认定", "float"),
                ("note", "说明", "text"),
                ("who", "审核人", "text"),
                ("at", "时间", "text"),
            ],
        ),
        (
            "indicators",
            "指标",
            "SELECT unit, organ, year, level, district, indicator, name, numerator, denominator, value, report"
            " FROM indicators ORDER BY unit, year, indicator",
            [
                ("unit", "单位", "text"),
                ("organ", "机关", "text"),
                ("year", "年度", "int"),
                ("level", "层级", "text"),
                ("district", "地区", "text"),
                ("indicator", "指标键", "text"),
                ("name", "指标", "text"),
                ("numerator", "分子", "float"),
                ("denominator", "分母", "float"),
                ("value", "数值", "float"),
                ("sha256", "内容哈希", "text"),
            ],
        ),
        (
            "district_indicators",
            "地区指标",
            "SELECT district, year, indicator, name, reports, numerator, denominator, value"
            " FROM district_indicators ORDER BY district, year, indicator",
            [
                ("district", "地区", "text"),
                ("year", "年度", "int"),
                ("indicator", "指标键", "text"),
                ("name", "指标", "text"),
                ("reports", "报告数", "int"),
                ("numerator", "分子之和", "float"),
                ("denominator", "分母之和", "float"),
                ("value", "数值", "float"),
            ],
        ),
        (
            "indicator_definitions",
            "指标定义",
            "SELECT indicator, name, formula FROM indicator_definitions ORDER BY position",
            [("indicator", "指标键", "text"), ("name", "指标", "text"), ("formula", "公式", "text")],
        ),
    ]
    return [t for t in tables if has_table(db, t[0])]
