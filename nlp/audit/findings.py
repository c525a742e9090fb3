"""Findings: everything a reviewer decides on, each with an id that survives re-analysis.

A finding is a failed identity (R1–R5, or a total left blank), a cross-year mismatch (X1–X3), a
narrative mismatch (N1–N12), a plausibility warning (P1–P4), a missing section (M1) or table
(M2), a table not filled (M3), or section 五 reused from last year's report (B1). Its id is a
digest of the unit (the organ as printed), the year, the rule and the cells (or the section or
table) — never of the file's hash or the database's row ids — so that a decision on it holds
after `xxgk analyze --force`, a corrected re-upload of the same report and a new model.

The table `findings` holds them, derived from the stored reports (and the cross-year
comparisons and section-五 reuse of nlp.review.analytics) whenever the reports change; `refresh` does
that, together with the indicators (nlp.audit.indicators).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from nlp.audit.reviewdb import ReviewError, connect, transaction
from nlp.audit.rulebook import (
    BOILERPLATE_SHARE,
    KIND_NAMES,
    MISSING_TOTAL_FIX,
    MISSING_TOTAL_PROBLEM,
    RULES,
    Kind,
)
from nlp.batch.store import DB_NAME, ResultStore
from nlp.checks.identities import number_text
from nlp.read.normalize import nfkc
from nlp.tables import template as tpl

if TYPE_CHECKING:
    from nlp.models import Cell, CheckResult, Report
    from nlp.review.analytics import YearOverYear

# Changed whenever findings are derived differently: the table is then derived again.
FINDINGS_VERSION = "1"
_STAMP_KEY = "findings_stamp"
_QUOTE_RE = re.compile(r"「(.+)」$")
_REUSED_SHOWN = 3  # reused sentences a B1 finding quotes


class Finding(BaseModel):
    id: str
    identity: str  # unit|year|rule|cells: what the id is the digest of
    position: int  # order on the list: unit, year, kind, rule
    kind: Kind
    rule: str
    check_id: str  # the check's id in the report (R3.granted, X1.total) or M1.<section>, B1
    status: str  # fail, missing_total
    unit: str
    organ: str | None
    year: int | None
    level: str
    district: str | None
    report: str  # sha256 of the report it was found in (the latest of its unit and year)
    earlier: str | None = None  # the previous year's report, for X and B1
    path: str
    cells: list[str]
    lhs: float | None = None
    rhs: float | None = None
    message: str
    quote: str | None = None  # the sentence of a narrative claim
    detail: dict = {}  # section / table of M findings; share and sentences of B1


def unit_of(organ: str | None, path: str) -> str:
    """The unit a report is of: its organ as printed (NFKC, no spaces), else its file name."""
    if organ:
        return re.sub(r"\s+", "", nfkc(organ))
    return f"（未识别机关）{Path(path).name}"


def identity_of(unit: str, year: int | None, rule: str, cells: Iterable[str]) -> str:
    return f"{unit}|{year if year is not None else '?'}|{rule}|{','.join(sorted(cells))}"


def finding_id(identity: str) -> str:
    """12 hex digits of the identity's SHA-1: short to type, stable as the identity."""
    return hashlib.sha1(identity.encode("utf-8")).hexdigest()[:12]


def district_of(places: Sequence[str]) -> str | None:
    """The district a report belongs to: the last place of its organ's name above the township
    (洪泽区 for 淮安市洪泽区人民政府, 沙县 for 沙县湖源乡人民政府), else none."""
    for place in reversed(places):
        if not place.endswith(("乡", "镇", "街道")):
            return place
    return None


# ---------------------------------------------------------------- from the stored reports


@dataclass(frozen=True)
class StoredRow:
    """What the findings of one report need from the `reports` table."""

    id: int
    sha256: str
    path: str
    organ: str | None
    year: int | None
    level: str
    places: list[str]
    template: str
    tables: dict[str, str]
    sections: frozenset[str]
    analysed_at: str

    @property
    def unit(self) -> str:
        return unit_of(self.organ, self.path)

    @property
    def district(self) -> str | None:
        return district_of(self.places)


def stored_rows(db: sqlite3.Connection) -> list[StoredRow]:
    sections: dict[int, set[str]] = {}
    for report, key in db.execute("SELECT report, key FROM sections"):
        sections.setdefault(report, set()).add(key)
    rows = db.execute(
        "SELECT id, sha256, path, organ, year, level, places, template, t2, t3, t4, analysed_at FROM reports"
    )
    return [
        StoredRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            json.loads(r[6]),
            r[7],
            {"t2": r[8], "t3": r[9], "t4": r[10]},
            frozenset(sections.get(r[0], ())),
            r[11],
        )
        for r in rows
    ]


def current_rows(rows: Iterable[StoredRow]) -> dict[tuple[str, int | None], StoredRow]:
    """The report of each unit and year: the one analysed last (a corrected re-upload under
    another file name supersedes the first)."""
    chosen: dict[tuple[str, int | None], StoredRow] = {}
    for row in sorted(rows, key=lambda r: (r.analysed_at, r.id)):
        chosen[(row.unit, row.year)] = row
    return chosen


@dataclass(frozen=True)
class _Check:
    id: str
    rule: str
    status: str
    lhs: float | None
    rhs: float | None
    cells: list[str]
    message: str


def _failed_checks(db: sqlite3.Connection) -> dict[str, list[_Check]]:
    found: dict[str, list[_Check]] = {}
    rows = db.execute(
        "SELECT r.sha256, c.id, c.rule, c.status, c.lhs, c.rhs, c.cells, c.message"
        " FROM checks c JOIN reports r ON r.id = c.report"
        " WHERE c.status IN ('fail', 'missing_total') ORDER BY c.report, c.id"
    )
    for sha, *check in rows:
        found.setdefault(sha, []).append(_Check(*check[:5], json.loads(check[5]), check[6]))  # type: ignore[arg-type]
    return found


def _finding(
    row: StoredRow,
    rule: str,
    check_id: str,
    cells: list[str],
    message: str,
    status: str = "fail",
    **extra: object,
) -> Finding:
    identity = identity_of(row.unit, row.year, rule, cells)
    return Finding(
        id=finding_id(identity),
        identity=identity,
        position=0,
        kind=RULES[rule].kind,
        rule=rule,
        check_id=check_id,
        status=status,
        unit=row.unit,
        organ=row.organ,
        year=row.year,
        level=row.level,
        district=row.district,
        report=row.sha256,
        path=row.path,
        cells=cells,
        message=message,
        **extra,  # type: ignore[arg-type]
    )


def report_findings(row: StoredRow, checks: Sequence[_Check]) -> list[Finding]:
    """The findings one report shows alone: its failed checks and what is missing or blank."""
    found = []
    for check in checks:
        if check.rule not in RULES:
            continue
        quote = _QUOTE_RE.search(check.message) if check.rule.startswith("N") else None
        found.append(
            _finding(
                row,
                check.rule,
                check.id,
                check.cells,
                check.message,
                check.status,
                lhs=check.lhs,
                rhs=check.rhs,
                quote=quote.group(1) if quote else None,
            )
        )
    if row.template == "pre2019":  # the old format has other parts and no such tables
        return found
    for spec in tpl.SECTIONS:
        if spec.key not in row.sections:
            title = f"{'一二三四五六'[spec.ordinal - 1]}、{spec.canonical}"
            found.append(
                _finding(
                    row,
                    "M1",
                    f"M1.{spec.key}",
                    [spec.key],
                    f"未找到第{title[0]}部分「{title}」",
                    detail={"section": title},
                )
            )
    for table, status in row.tables.items():
        title = tpl.TABLE_TITLES[table]
        if status == "absent":
            found.append(
                _finding(row, "M2", f"M2.{table}", [table], f"未找到{title}", detail={"table": title})
            )
        elif status == "not_filled":
            found.append(
                _finding(
                    row,
                    "M3",
                    f"M3.{table}",
                    [table],
                    f"{title}未填写数字（全部空白）",
                    detail={"table": title},
                )
            )
    return found


def history_findings(history: YearOverYear, rows: dict[str, StoredRow]) -> list[Finding]:
    """Cross-year findings of a report against its organ's report of the year before: failed
    X1–X3 and section 五 reused."""
    later, earlier = rows.get(history.later.report.source.sha256), history.earlier.report
    if later is None or not history.comparison.consecutive:
        return []
    found = [
        _finding(
            later,
            check.rule,
            check.id,
            check.cells,
            check.message,
            lhs=check.lhs,
            rhs=check.rhs,
            earlier=earlier.source.sha256,
        )
        for check in history.comparison.checks
        if check.status == "fail"
    ]
    reuse = history.section5
    if reuse is not None and reuse.share >= BOILERPLATE_SHARE:
        share = f"{reuse.share:.0%}"
        found.append(
            _finding(
                later,
                "B1",
                "B1",
                ["s5_problems"],
                f"第五部分 {len(reuse.reused)}/{reuse.sentences} 句、{share} 的文字与上一年度报告相同",
                lhs=round(reuse.share, 4),
                earlier=earlier.source.sha256,
                quote=reuse.reused[0][0] if reuse.reused else None,
                detail={
                    "share": reuse.share,
                    "reused": [[now, before] for now, before, _ in reuse.reused[:_REUSED_SHOWN]],
                },
            )
        )
    return found


_KIND_ORDER = {kind: n for n, kind in enumerate(KIND_NAMES)}
_RULE_ORDER = {code: n for n, code in enumerate(RULES)}


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """By unit, year, kind and rule; the position recorded, ids unique."""
    unique = {f.id: f for f in findings}
    ranked = sorted(
        unique.values(),
        key=lambda f: (f.unit, f.year or 0, _KIND_ORDER[f.kind], _RULE_ORDER[f.rule], f.check_id),
    )
    return [f.model_copy(update={"position": n}) for n, f in enumerate(ranked)]


@dataclass
class Derived:
    """What `refresh` writes: the findings and the indicators of the current reports."""

    findings: list[Finding]
    indicators: list = field(default_factory=list)  # nlp.audit.indicators.IndicatorValue
    districts: list = field(default_factory=list)  # nlp.audit.indicators.DistrictValue


def derive(output: Path) -> Derived:
    """Findings and indicators of the reports in OUTPUT (loads the corpus, compares each
    organ's years: scikit-learn is imported here)."""
    from nlp.audit.indicators import district_values, report_values
    from nlp.review.analytics import organ_histories
    from nlp.review.results import load_results, open_results

    store = open_results(output)
    try:
        rows = current_rows(stored_rows(store.db))
        checks = _failed_checks(store.db)
    finally:
        store.close()
    by_sha = {row.sha256: row for row in rows.values()}
    stored = [s for s in load_results(output) if s.report.source.sha256 in by_sha]
    histories = organ_histories(stored)
    findings = [f for row in rows.values() for f in report_findings(row, checks.get(row.sha256, []))]
    for history in histories:
        findings += history_findings(history, by_sha)
    indicators = report_values(stored, histories, by_sha)
    return Derived(ordered(findings), indicators, district_values(indicators))


# ---------------------------------------------------------------- the table


_FINDING_COLUMNS = (
    "id, identity, position, kind, rule, check_id, status, unit, organ, year, level, district,"
    " report, earlier, path, cells, lhs, rhs, message, quote, detail"
)
_refreshing = threading.Lock()


def _stamp(output: Path) -> str:
    store = ResultStore(output / DB_NAME, readonly=True)
    try:
        return f"{FINDINGS_VERSION}:{store.contents_stamp()}"
    finally:
        store.close()


def is_current(db: sqlite3.Connection, output: Path) -> bool:
    found = db.execute("SELECT value FROM review_info WHERE key = ?", (_STAMP_KEY,)).fetchone()
    return found is not None and found[0] == _stamp(output)


def refresh(output: Path, force: bool = False) -> bool:
    """Derive the findings and indicators again when the reports changed since they were
    derived (or `force`); returns whether it did. Decisions and corrections are not touched."""
    from nlp.audit.indicators import write_indicators

    with _refreshing:
        db = connect(output)
        try:
            if not force and is_current(db, output):
                return False
            stamp = _stamp(output)
            derived = derive(output)
            with transaction(db):
                db.execute("DELETE FROM findings")
                db.executemany(
                    f"INSERT INTO findings ({_FINDING_COLUMNS}) VALUES ({', '.join('?' * 21)})",
                    [_row(f) for f in derived.findings],
                )
                write_indicators(db, derived.indicators, derived.districts)
                db.execute("INSERT OR REPLACE INTO review_info VALUES (?, ?)", (_STAMP_KEY, stamp))
        except sqlite3.Error as exc:
            raise ReviewError(f"{output / DB_NAME}: cannot write the findings ({exc})") from None
        finally:
            db.close()
    return True


def _row(f: Finding) -> tuple:
    return (
        f.id,
        f.identity,
        f.position,
        f.kind,
        f.rule,
        f.check_id,
        f.status,
        f.unit,
        f.organ,
        f.year,
        f.level,
        f.district,
        f.report,
        f.earlier,
        f.path,
        json.dumps(f.cells),
        f.lhs,
        f.rhs,
        f.message,
        f.quote,
        json.dumps(f.detail, ensure_ascii=False),
    )


def _from_row(row: Sequence) -> Finding:
    values = dict(zip([c.strip() for c in _FINDING_COLUMNS.split(",")], row, strict=True))
    values["cells"] = json.loads(values["cells"])
    values["detail"] = json.loads(values["detail"] or "{}")
    return Finding(**values)


@dataclass(frozen=True)
class Filters:
    """What the problem list is narrowed to; an empty field does not filter."""

    unit: str = ""
    year: str = ""
    level: str = ""
    district: str = ""
    rule: str = ""
    kind: str = ""
    status: str = ""  # open, confirmed, dismissed

    def where(self) -> tuple[str, list]:
        clauses, values = [], []
        for column in ("unit", "level", "district", "rule", "kind"):
            value = getattr(self, column)
            if value:
                clauses.append(f"f.{column} = ?")
                values.append(value)
        if self.year:
            clauses.append("f.year = ?")
            values.append(int(self.year) if self.year.isdigit() else None)
        if self.status:
            clauses.append("COALESCE(d.decision, 'open') = ?")
            values.append(self.status)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), values


def listed(db: sqlite3.Connection, filters: Filters = Filters()) -> list[tuple[Finding, str]]:
    """The findings that pass the filters, in list order, each with its decision (open when
    none)."""
    where, values = filters.where()
    rows = db.execute(
        f"SELECT {', '.join('f.' + c.strip() for c in _FINDING_COLUMNS.split(','))},"
        " COALESCE(d.decision, 'open') FROM findings f LEFT JOIN decisions d ON d.finding = f.id"
        f"{where} ORDER BY f.position",
        values,
    )
    return [(_from_row(r[:-1]), r[-1]) for r in rows]


def find(db: sqlite3.Connection, reference: str) -> Finding:
    """The finding with this id, or the one whose id starts with it (as git takes a prefix)."""
    reference = reference.strip().lower()
    rows = db.execute(
        f"SELECT {_FINDING_COLUMNS} FROM findings WHERE id = ? OR (length(?) >= 4 AND id LIKE ? || '%')",
        (reference, reference, reference),
    ).fetchall()
    if not rows:
        raise ReviewError(f"no finding {reference!r} (`xxgk findings` lists them)")
    if len(rows) > 1:
        raise ReviewError(f"{reference!r} is the start of {len(rows)} finding ids; give more of it")
    return _from_row(rows[0])


def choices(db: sqlite3.Connection) -> dict[str, list[str]]:
    """The values each filter of the list can take."""
    values: dict[str, list[str]] = {}
    for column in ("unit", "year", "level", "district", "rule", "kind"):
        found = [
            str(v)
            for (v,) in db.execute(f"SELECT DISTINCT {column} FROM findings WHERE {column} IS NOT NULL")
        ]
        values[column] = sorted(found, key=lambda v: (_RULE_ORDER.get(v, 0), v) if column == "rule" else v)
    return values


# ---------------------------------------------------------------- what a reader is told


@dataclass(frozen=True)
class Place:
    """Where a finding is: the table, its rows and its columns as the form prints them."""

    table: str
    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    def text(self) -> str:
        if len(self.rows) == 1 and len(self.columns) == 1:
            return f"{self.table}「{self.rows[0]}」行「{self.columns[0]}」列"
        if len(self.rows) == 1:
            return f"{self.table}「{self.rows[0]}」行"
        if len(self.columns) == 1:
            return f"{self.table}「{self.columns[0]}」列"
        return self.table


def place_of(finding: Finding, template: str) -> Place:
    if finding.rule in ("M1", "B1"):
        return Place(finding.detail.get("section", "第五部分「存在的主要问题及改进情况」"))
    if finding.rule in ("M2", "M3"):
        return Place(finding.detail.get("table", finding.cells[0]))
    specs = tpl.specs_for(template)
    tables: list[str] = []
    rows: list[str] = []
    columns: list[str] = []
    for key in finding.cells:
        spec = specs.get(key.removeprefix("prev."))
        if spec is None:
            continue
        table = tpl.TABLE_TITLES[spec.table].split()[0]
        row = f"{spec.group}{spec.row_label}" if spec.table == "t2" else spec.row_label
        row = ("上年报告·" if key.startswith("prev.") else "") + row
        for found, value in ((tables, table), (rows, row), (columns, spec.column_label)):
            if value not in found:
                found.append(value)
    return Place("、".join(tables) or "表格", rows, columns)


@dataclass(frozen=True)
class FindingText:
    """A finding in plain Chinese, as a letter to the unit and the review page state it."""

    kind: str
    title: str
    problem: str
    place: Place
    evidence: str  # both sides of the equation, the quoted sentence, the reused sentences
    fix: str


class _Figures(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def finding_text(finding: Finding, report: Report | None, earlier: Report | None = None) -> FindingText:
    """The finding told for a reader; the equation is written out with the report's cells (and
    last year's, for X) when the report is given."""
    rule = RULES[finding.rule]
    template = report.meta.template if report else "v2021"
    place = place_of(finding, template)
    figures = _Figures(
        place=place.text(),
        lhs=number_text(finding.lhs),
        rhs=number_text(finding.rhs),
        section=finding.detail.get("section", ""),
        table=finding.detail.get("table", ""),
        share=f"{finding.detail.get('share', 0):.0%}",
    )
    problem, fix = rule.problem.format_map(figures), rule.fix.format_map(figures)
    if finding.status == "missing_total":
        problem = MISSING_TOTAL_PROBLEM.format_map(figures)
        fix = MISSING_TOTAL_FIX.format_map(figures)
    return FindingText(
        KIND_NAMES[finding.kind], rule.title, problem, place, _evidence(finding, report, earlier), fix
    )


def _evidence(finding: Finding, report: Report | None, earlier: Report | None) -> str:
    if finding.rule == "B1":
        pairs = finding.detail.get("reused", [])
        return "；".join(f"本年「{now}」与上年「{before}」相同" for now, before in pairs) or finding.message
    check = source_check(finding, report, earlier) if finding.rule[0] in "RNX" else None
    if check is None or report is None:
        return finding.message
    from nlp.review.pages import written_equation  # the review pages' wording of an equation

    written = written_equation(check, joined_cells(report, earlier), tpl.specs_for(report.meta.template))
    return f"{written}；原文：「{finding.quote}」" if finding.quote else written


def joined_cells(report: Report, earlier: Report | None) -> dict[str, Cell]:
    """The report's cells, and last year's under 'prev.' (as the cross-year checks name them)."""
    cells = dict(report.cells)
    if earlier is not None:
        cells.update({f"prev.{k}": c for k, c in earlier.cells.items()})
    return cells


def source_check(finding: Finding, report: Report | None, earlier: Report | None) -> CheckResult | None:
    """The check the finding comes from, as the report (or the two years' comparison) holds it."""
    if report is None or finding.rule[0] not in "RNPX":
        return None
    if finding.rule.startswith("X"):
        if earlier is None:
            return None
        from nlp.checks.compare import compare_reports

        checks = compare_reports(earlier, report).checks
    else:
        checks = report.checks
    return next((c for c in checks if c.id == finding.check_id), None)
