"""The reviewers' tables in the results database (OUT/xxgk.sqlite), beside the tables
`xxgk analyze` writes and never touched by it: a re-analysis, `--force` or a corrected
re-upload replaces reports, not what reviewers decided.

- `decisions`, `corrections`, `review_log`: what reviewers did (nlp.decisions), keyed by stable
  finding ids and cell addresses (organ + year + …), not by report ids or file hashes;
- `findings`, `indicators`, `district_indicators`: derived from the reports (nlp.findings,
  nlp.indicators), rebuilt whole whenever the reports change (`review_info` keeps the stamp of
  what they were derived from).

docs/storage.md describes the columns. Every change is one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from nlp.store import DB_NAME, StoreError, open_readonly

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


class ReviewError(Exception):
    """A review action cannot be done: no results, an unknown finding or cell, nothing to undo,
    a decisions file that cannot be read."""


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
