"""The results database: one SQLite file in the output folder, written by one process only.

Every report is committed in one transaction — its row, sections, paragraphs, items, cells,
checks, full-text index and the files that hold it — so a run killed at any moment leaves whole
records or none. Reports are keyed by the sha256 of the file's bytes. The database is the source
of truth: it keeps each report's JSON document, from which the JSON files are (re)written.
docs/storage.md describes the tables.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from nlp.classify.segment import match_expression, query_words
from nlp.models import Report

DB_NAME = "xxgk.sqlite"
STORE_VERSION = "1"

FileStatus = Literal["ok", "not_a_report", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    pages INTEGER,
    encoding TEXT,
    title TEXT,
    organ TEXT,
    level TEXT NOT NULL,
    province TEXT,
    places TEXT NOT NULL,
    year INTEGER,
    template TEXT NOT NULL,
    t2 TEXT NOT NULL,
    t3 TEXT NOT NULL,
    t4 TEXT NOT NULL,
    sections_found INTEGER NOT NULL,
    cells_found INTEGER NOT NULL,
    cells_total INTEGER NOT NULL,
    checks_failed INTEGER NOT NULL,
    warnings TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    seconds REAL NOT NULL,
    analysed_at TEXT NOT NULL,
    document BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_organ_year ON reports (organ, year);
CREATE INDEX IF NOT EXISTS reports_province_year ON reports (province, year);
CREATE INDEX IF NOT EXISTS reports_year_level ON reports (year, level);
CREATE TABLE IF NOT EXISTS sections (
    id INTEGER PRIMARY KEY,
    report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    title TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    block_start INTEGER NOT NULL,
    block_end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sections_report ON sections (report);
CREATE TABLE IF NOT EXISTS paragraphs (
    id INTEGER PRIMARY KEY,
    report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    section TEXT,
    heading TEXT,
    label TEXT,
    confidence REAL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paragraphs_report ON paragraphs (report, position);
CREATE INDEX IF NOT EXISTS paragraphs_label ON paragraphs (label);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    section TEXT,
    paragraph INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_report ON items (report, position);
CREATE INDEX IF NOT EXISTS items_kind ON items (kind);
CREATE TABLE IF NOT EXISTS cells (
    report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value NUMERIC,
    status TEXT NOT NULL,
    raw TEXT,
    unit TEXT,
    confidence REAL,
    PRIMARY KEY (report, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cells_key_value ON cells (key, value);
CREATE TABLE IF NOT EXISTS checks (
    report INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    rule TEXT NOT NULL,
    status TEXT NOT NULL,
    lhs REAL,
    rhs REAL,
    cells TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (report, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS checks_status_rule ON checks (status, rule);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT,
    status TEXT NOT NULL,
    stage TEXT NOT NULL,
    message TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS errors_sha256 ON errors (sha256);
CREATE INDEX IF NOT EXISTS errors_path ON errors (path);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    sha256 TEXT,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    output TEXT UNIQUE,
    status TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256);
CREATE TABLE IF NOT EXISTS redo (sha256 TEXT PRIMARY KEY);
CREATE VIRTUAL TABLE IF NOT EXISTS paragraphs_fts USING fts5 (words);
CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5 (words);
CREATE VIEW IF NOT EXISTS paragraph_list AS
    SELECT p.id, p.report, r.organ, r.year, r.level, r.province, r.template,
           p.position, p.section, p.heading, p.label, p.confidence, p.text
    FROM paragraphs p JOIN reports r ON r.id = p.report;
CREATE VIEW IF NOT EXISTS item_list AS
    SELECT i.id, i.report, r.organ, r.year, r.level, r.province, i.position, i.kind, i.section, i.text
    FROM items i JOIN reports r ON r.id = i.report;
CREATE VIEW IF NOT EXISTS check_list AS
    SELECT c.report, r.organ, r.year, r.level, r.province, r.template,
           c.id AS check_id, c.rule, c.status, c.lhs, c.rhs, c.message
    FROM checks c JOIN reports r ON r.id = c.report;
"""


def schema_columns() -> dict[str, list[str]]:
    """The column names of every table and view of a results database, in schema order."""
    with closing(sqlite3.connect(":memory:")) as db:
        db.executescript(_SCHEMA)
        names = [
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        ]
        return {name: [row[1] for row in db.execute(f"PRAGMA table_info('{name}')")] for name in names}


class StoreError(Exception):
    """The database cannot be used (another store version, not an SQLite file, another program's
    database, a folder it cannot write)."""


@dataclass(frozen=True)
class FileState:
    """An input file as last seen: its stat (to skip re-hashing), content hash and JSON name."""

    path: str
    size: int
    mtime_ns: int
    sha256: str | None
    output: str | None
    status: FileStatus


@dataclass(frozen=True)
class ReportSummary:
    """The figures of one stored report that the summary table and summary.json show."""

    sha256: str
    path: str
    format: str
    pages: int | None
    organ: str | None
    year: int | None
    template: str
    sections_found: int
    cells_found: int
    cells_total: int
    checks_failed: int


@dataclass(frozen=True)
class ErrorRecord:
    """Why a file gave no report: not a report at all, or failed at a stage."""

    path: str
    sha256: str | None
    status: FileStatus
    stage: str
    message: str


@dataclass(frozen=True)
class SearchHit:
    """A paragraph that holds every word of a query, in its text or in one of its items."""

    path: str
    organ: str | None
    year: int | None
    section: str | None
    label: str | None
    text: str
    items: list[tuple[str, str]]  # (kind, text) of its problem and measure items that hold the words
    words: list[str]  # the query's words, as the search index cut them

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "organ": self.organ,
            "year": self.year,
            "section": self.section,
            "label": self.label,
            "text": self.text,
            "items": [{"kind": k, "text": t} for k, t in self.items],
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def summarize(report: Report) -> ReportSummary:
    return ReportSummary(
        sha256=report.source.sha256,
        path=report.source.path,
        format=report.source.format,
        pages=report.source.pages,
        organ=report.meta.organ,
        year=report.meta.year,
        template=report.meta.template,
        sections_found=len(report.sections),
        cells_found=sum(1 for c in report.cells.values() if c.status != "missing"),
        cells_total=len(report.cells),
        checks_failed=len(report.failed_checks()),
    )


_SUMMARY_COLUMNS = (
    "sha256, path, format, pages, organ, year, template, "
    "sections_found, cells_found, cells_total, checks_failed"
)


class ResultStore:
    """The database of one output folder. Only the process running the batch writes to it;
    `readonly` opens it for reading only (search, report, export), also on read-only media."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        if readonly:
            self.db = open_readonly(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = self._open_for_writing(path)
        try:
            found = self.db.execute("SELECT value FROM store_info WHERE key = 'store_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StoreError(f"{path}: not a usable xxgk database ({exc})") from None
        if found is None and not readonly:
            self.db.execute("INSERT INTO store_info VALUES ('store_version', ?)", (STORE_VERSION,))
        elif found is None or found[0] != STORE_VERSION:
            self.db.close()
            raise StoreError(
                f"{path}: written by store version {found[0] if found else '(none)'}, this xxgk uses"
                f" {STORE_VERSION}; use another output folder"
            )

    @staticmethod
    def _open_for_writing(path: Path) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(path, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{path}: cannot open the database ({exc})") from None
        try:
            tables = [
                name
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not name.startswith("sqlite_")
            ]
            if tables and "store_info" not in tables:
                raise StoreError(
                    f"{path}: not an xxgk results database (it holds another program's tables: "
                    f"{', '.join(sorted(tables)[:5])}); use another output folder"
                )
            db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives the process being killed; only power loss can undo one.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(_SCHEMA)
        except StoreError:
            db.close()
            raise
        except sqlite3.OperationalError as exc:
            db.close()
            if "readonly" in str(exc) or "unable to open" in str(exc):
                raise StoreError(f"{path}: cannot write the database ({exc})") from None
            raise StoreError(f"{path}: not a usable xxgk database ({exc})") from None
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(f"{path}: not a usable xxgk database ({exc})") from None
        return db

    def close(self) -> None:
        self.db.close()

    def contents_stamp(self) -> str:
        """A digest of what the review pages show: which reports, under which paths and JSON
        names. Pages written from another stamp are out of date."""
        digest = hashlib.sha256()
        rows = self.db.execute(
            "SELECT r.id, r.sha256, r.path, (SELECT MIN(f.output) FROM files f WHERE f.sha256 = r.sha256)"
            " FROM reports r ORDER BY r.id"
        )
        for row in rows:
            digest.update(repr(row).encode("utf-8", "backslashreplace"))
        return digest.hexdigest()

    def pages_are_current(self, marker: Path) -> bool:
        """Whether the review pages whose marker file this is were written from what the
        database holds now (the marker holds the `contents_stamp` of then)."""
        try:
            written = marker.read_text(encoding="utf-8").strip()
        except OSError:
            return False
        return written == self.contents_stamp()

    # -- an interrupted --force -----------------------------------------------------------

    def mark_redo(self, sha256s: Iterable[str]) -> None:
        """Contents a --force run is to analyse again; each leaves the list once stored, so that
        the run that follows an interrupted one analyses the rest."""
        with self._transaction():
            self.db.executemany("INSERT OR IGNORE INTO redo VALUES (?)", [(s,) for s in sha256s])

    def redo_pending(self) -> set[str]:
        return {sha for (sha,) in self.db.execute("SELECT sha256 FROM redo")}

    # -- what earlier runs left ---------------------------------------------------------

    def known_files(self) -> dict[str, FileState]:
        rows = self.db.execute("SELECT path, size, mtime_ns, sha256, output, status FROM files")
        return {r[0]: FileState(*r) for r in rows}

    def finished_reports(self) -> dict[str, ReportSummary]:
        rows = self.db.execute(f"SELECT {_SUMMARY_COLUMNS} FROM reports")
        return {r[0]: ReportSummary(*r) for r in rows}

    def recorded_errors(self) -> dict[str, ErrorRecord]:
        """The error of each file content that gave no report, by sha256."""
        rows = self.db.execute(
            "SELECT path, sha256, status, stage, message FROM errors WHERE sha256 IS NOT NULL ORDER BY id"
        )
        return {r[1]: ErrorRecord(*r) for r in rows}

    def documents(self) -> Iterator[tuple[int, str | None, str]]:
        """(report id, the JSON file name of its first input, JSON document) of every stored report."""
        rows = self.db.execute(
            "SELECT r.id, (SELECT MIN(f.output) FROM files f WHERE f.sha256 = r.sha256), r.document"
            " FROM reports r ORDER BY r.id"
        )
        for report_id, output, document in rows:
            yield report_id, output, zlib.decompress(document).decode("utf-8")

    def document(self, sha256: str) -> str:
        """The JSON document of a stored report."""
        row = self.db.execute("SELECT document FROM reports WHERE sha256 = ?", (sha256,)).fetchone()
        return zlib.decompress(row[0]).decode("utf-8")

    # -- writing: one transaction each --------------------------------------------------

    def save_report(
        self,
        report: Report,
        document: str,
        paragraph_words: list[str],
        item_words: list[str],
        seconds: float,
        files: Iterable[FileState],
    ) -> ReportSummary:
        """Store a report with everything that belongs to it and the files that hold it, atomically."""
        summary = summarize(report)
        meta = report.meta
        with self._transaction():
            self._delete_report(report.source.sha256)
            self.db.execute("DELETE FROM errors WHERE sha256 = ?", (report.source.sha256,))
            self.db.execute("DELETE FROM redo WHERE sha256 = ?", (report.source.sha256,))
            report_id = self.db.execute(
                "INSERT INTO reports (sha256, path, format, pages, encoding, title, organ, level, province,"
                " places, year, template, t2, t3, t4, sections_found, cells_found, cells_total,"
                " checks_failed, warnings, schema_version, seconds, analysed_at, document)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    summary.sha256,
                    report.source.path,
                    report.source.format,
                    report.source.pages,
                    report.source.encoding,
                    meta.title,
                    meta.organ,
                    meta.level,
                    meta.region.province,
                    json.dumps(meta.region.places, ensure_ascii=False),
                    meta.year,
                    meta.template,
                    report.tables.get("t2", "absent"),
                    report.tables.get("t3", "absent"),
                    report.tables.get("t4", "absent"),
                    summary.sections_found,
                    summary.cells_found,
                    summary.cells_total,
                    summary.checks_failed,
                    json.dumps(report.warnings, ensure_ascii=False),
                    report.schema_version,
                    seconds,
                    _now(),
                    zlib.compress(document.encode("utf-8")),
                ),
            ).lastrowid
            self.db.executemany(
                "INSERT INTO sections (report, key, title, ordinal, block_start, block_end)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(report_id, s.key, s.title, s.ordinal, s.block_start, s.block_end) for s in report.sections],
            )
            # Row ids are given, not looked up row by row, so that each table takes one executemany.
            first = self._next_id("paragraphs")
            self.db.executemany(
                "INSERT INTO paragraphs (id, report, position, section, heading, label, confidence, text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (first + n, report_id, n, p.section, p.heading, p.label, p.confidence, p.text)
                    for n, p in enumerate(report.paragraphs)
                ],
            )
            self.db.executemany(
                "INSERT INTO paragraphs_fts (rowid, words) VALUES (?, ?)",
                [(first + n, words) for n, words in enumerate(paragraph_words)],
            )
            first = self._next_id("items")
            self.db.executemany(
                "INSERT INTO items (id, report, position, kind, section, paragraph, text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (first + n, report_id, n, i.kind, i.section, i.paragraph, i.text)
                    for n, i in enumerate(report.items)
                ],
            )
            self.db.executemany(
                "INSERT INTO items_fts (rowid, words) VALUES (?, ?)",
                [(first + n, words) for n, words in enumerate(item_words)],
            )
            self.db.executemany(
                "INSERT INTO cells (report, key, value, status, raw, unit, confidence)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (report_id, key, c.value, c.status, c.raw, c.unit, c.confidence)
                    for key, c in report.cells.items()
                ],
            )
            self.db.executemany(
                "INSERT INTO checks (report, id, rule, status, lhs, rhs, cells, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (report_id, c.id, c.rule, c.status, c.lhs, c.rhs, json.dumps(c.cells), c.message)
                    for c in report.checks
                ],
            )
            self._put_files(files)
        return summary

    def save_error(self, error: ErrorRecord, files: Iterable[FileState]) -> None:
        """Store why a file gave no report (replacing an earlier error of the same content)."""
        with self._transaction():
            if error.sha256 is None:
                self.db.execute("DELETE FROM errors WHERE path = ? AND sha256 IS NULL", (error.path,))
            else:
                self._delete_report(error.sha256)
                self.db.execute("DELETE FROM errors WHERE sha256 = ?", (error.sha256,))
                self.db.execute("DELETE FROM redo WHERE sha256 = ?", (error.sha256,))
            self.db.execute(
                "INSERT INTO errors (path, sha256, status, stage, message, recorded_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (error.path, error.sha256, error.status, error.stage, error.message, _now()),
            )
            self._put_files(files)

    def save_files(self, files: Iterable[FileState]) -> None:
        """Remember files found unchanged under a new stat (touched, copied, moved)."""
        with self._transaction():
            self._put_files(files)

    def _put_files(self, files: Iterable[FileState]) -> None:
        """Record the files as they are now. A file's earlier content that no file holds any more
        goes with its report or error: a changed file replaces its old result."""
        files = list(files)
        before: set[str] = set()
        for f in files:
            row = self.db.execute("SELECT sha256 FROM files WHERE path = ?", (f.path,)).fetchone()
            if row is not None and row[0] is not None and row[0] != f.sha256:
                before.add(row[0])
        now = _now()
        self.db.executemany(
            "INSERT OR REPLACE INTO files (path, sha256, size, mtime_ns, output, status, checked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(f.path, f.sha256, f.size, f.mtime_ns, f.output, f.status, now) for f in files],
        )
        self.db.executemany(  # read now: no longer unreadable
            "DELETE FROM errors WHERE path = ? AND sha256 IS NULL", [(f.path,) for f in files if f.sha256]
        )
        for sha256 in before:
            if self.db.execute("SELECT 1 FROM files WHERE sha256 = ?", (sha256,)).fetchone() is None:
                self._delete_report(sha256)
                self.db.execute("DELETE FROM errors WHERE sha256 = ?", (sha256,))

    def _next_id(self, table: Literal["paragraphs", "items"]) -> int:
        return self.db.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0]

    def _delete_report(self, sha256: str) -> None:
        found = self.db.execute("SELECT id FROM reports WHERE sha256 = ?", (sha256,)).fetchone()
        if found is None:
            return
        self.db.execute(
            "DELETE FROM paragraphs_fts WHERE rowid IN (SELECT id FROM paragraphs WHERE report = ?)", found
        )
        self.db.execute("DELETE FROM items_fts WHERE rowid IN (SELECT id FROM items WHERE report = ?)", found)
        self.db.execute("DELETE FROM reports WHERE id = ?", found)  # the rest cascades

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)

    # -- reading ------------------------------------------------------------------------

    def search(self, query: str, limit: int) -> list[SearchHit]:
        """Paragraphs that contain every word of the query — in their text or in one of their
        problem and measure items — best matches first, one hit per paragraph."""
        expression = match_expression(query)
        if not expression:
            return []
        rows = self.db.execute(
            "WITH found AS ("
            " SELECT p.report, p.position, f.rank FROM paragraphs_fts f JOIN paragraphs p ON p.id = f.rowid"
            "  WHERE paragraphs_fts MATCH ?1"
            " UNION ALL"
            " SELECT i.report, i.paragraph, f.rank FROM items_fts f JOIN items i ON i.id = f.rowid"
            "  WHERE items_fts MATCH ?1"
            "), best AS (SELECT report, position, MIN(rank) AS rank FROM found GROUP BY report, position)"
            " SELECT r.path, r.organ, r.year, p.section, p.label, p.text, p.report, p.position"
            " FROM best JOIN paragraphs p ON p.report = best.report AND p.position = best.position"
            " JOIN reports r ON r.id = p.report ORDER BY best.rank LIMIT ?2",
            (expression, limit),
        ).fetchall()
        items: dict[tuple[int, int], list[tuple[str, str]]] = {}
        for report, paragraph, kind, text in self.db.execute(
            "SELECT i.report, i.paragraph, i.kind, i.text FROM items_fts f JOIN items i ON i.id = f.rowid"
            " WHERE items_fts MATCH ?1 ORDER BY i.report, i.position",
            (expression,),
        ):
            items.setdefault((report, paragraph), []).append((kind, text))
        words = query_words(query)
        return [
            SearchHit(path, organ, year, section, label, text, items.get((report, position), []), words)
            for path, organ, year, section, label, text, report, position in rows
        ]

    def rows(self, sql: str, parameters: tuple = ()) -> Iterator[tuple]:
        """Rows of a query, streamed (for export)."""
        cursor = self.db.execute(sql, parameters)
        while batch := cursor.fetchmany(10_000):
            yield from batch


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (Ctrl-C included)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def open_readonly(path: Path) -> sqlite3.Connection:
    """A connection that never writes. A database in WAL mode on read-only media cannot even be
    read that way (SQLite needs its -shm file), so it is then opened as immutable."""
    if not path.is_file():
        raise StoreError(f"{path}: no results database here")
    uri = "file:" + quote(os.fsencode(path.resolve()))
    failure: sqlite3.OperationalError | None = None
    for options in ("?mode=ro", "?mode=ro&immutable=1"):
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(uri + options, uri=True, isolation_level=None)
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError as exc:
            failure = exc
            if db is not None:
                db.close()
    raise StoreError(f"{path}: cannot read the database ({failure})")
