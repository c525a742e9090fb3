"""Indicators per report and per district, each defined once here with its formula: the
database (`indicators`, `district_indicators`, `indicator_definitions`), the export and the
review pages all take them from `INDICATORS`.

An indicator is a numerator over a denominator, each a sum of table cells (of this year's
report, or of the same organ's report of the year before) or, for section 五, the characters
that repeat last year's report over all its characters. A district's value is the sum of its
reports' numerators over the sum of their denominators (not the mean of the rates). A value
is left out (None) when a cell it needs is missing or the denominator is 0. Values use the
cells as printed (a reviewer's correction does not change them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from nlp.checks.identities import component_value

if TYPE_CHECKING:
    from nlp.audit.findings import StoredRow
    from nlp.models import Report
    from nlp.review.analytics import YearOverYear
    from nlp.review.results import StoredReport


@dataclass(frozen=True)
class Term:
    """A sum of cells, of this year's report or (previous) of last year's."""

    label: str
    keys: tuple[str, ...] = ()
    previous: bool = False


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    numerator: Term
    denominator: Term
    source: Literal["cells", "section5"] = "cells"
    change: bool = False  # the change over the denominator (ratio − 1), not the ratio

    @property
    def formula(self) -> str:
        ratio = f"{self.numerator.label} ÷ {self.denominator.label}"
        return f"{self.name} = （{ratio}）− 1" if self.change else f"{self.name} = {ratio}"

    def value(self, numerator: float | None, denominator: float | None) -> float | None:
        if numerator is None or not denominator:
            return None
        return numerator / denominator - (1 if self.change else 0)


_SUITS = ("suit_direct", "suit_after_review")
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "disclosure_rate",
        "公开率",
        Term("表三（一）予以公开", ("t3.granted.total",)),
        Term("表三办结数（（七）总计）", ("t3.result_total.total",)),
    ),
    Indicator(
        "review_correction_rate",
        "复议纠错率",
        Term("表四行政复议结果纠正", ("t4.review.corrected",)),
        Term(
            "表四行政复议已审结（结果维持 + 结果纠正 + 其他结果）",
            ("t4.review.upheld", "t4.review.corrected", "t4.review.other"),
        ),
    ),
    Indicator(
        "suit_correction_rate",
        "诉讼纠错率",
        Term(
            "表四行政诉讼结果纠正（未经复议直接起诉 + 复议后起诉）",
            tuple(f"t4.{g}.corrected" for g in _SUITS),
        ),
        Term(
            "表四行政诉讼已审结（两类诉讼的结果维持 + 结果纠正 + 其他结果）",
            tuple(f"t4.{g}.{c}" for g in _SUITS for c in ("upheld", "corrected", "other")),
        ),
    ),
    Indicator(
        "requests_yoy",
        "申请量同比变化",
        Term("本年新收申请（表三一、总计）", ("t3.new_received.total",)),
        Term("上年新收申请（上一年度报告表三一、总计）", ("t3.new_received.total",), previous=True),
        change=True,
    ),
    Indicator(
        "section5_reuse",
        "第五部分沿用率",
        Term("第五部分与上一年度报告相同的字数"),
        Term("第五部分的字数"),
        source="section5",
    ),
)
INDICATOR_BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}


@dataclass(frozen=True)
class IndicatorValue:
    report: str  # sha256
    unit: str
    organ: str | None
    year: int | None
    level: str
    district: str | None
    indicator: str
    numerator: float | None
    denominator: float | None
    value: float | None


@dataclass(frozen=True)
class DistrictValue:
    district: str | None
    year: int | None
    indicator: str
    reports: int  # reports with a value
    numerator: float
    denominator: float
    value: float | None


def _sum(report: Report | None, keys: Sequence[str]) -> float | None:
    if report is None:
        return None
    values = [component_value(report.cells.get(k)) for k in keys]
    return None if None in values else float(sum(values))  # type: ignore[arg-type]


def report_values(
    stored: Sequence[StoredReport], histories: Iterable[YearOverYear], rows: dict[str, StoredRow]
) -> list[IndicatorValue]:
    """Every indicator of every report (corpus summaries hold the cells they need); last year's
    report and section 五's reuse come from the organ's comparison with the year before."""
    previous: dict[int, YearOverYear] = {h.later.id: h for h in histories if h.comparison.consecutive}
    found = []
    for report in stored:
        row = rows[report.report.source.sha256]
        history = previous.get(report.id)
        for indicator in INDICATORS:
            if indicator.source == "section5":
                reuse = history.section5 if history else None
                numerator = denominator = None
                if reuse is not None:
                    numerator = float(round(reuse.share * reuse.characters))
                    denominator = float(reuse.characters)
            else:
                earlier = history.earlier.report if history else None
                numerator = _sum(report.report, indicator.numerator.keys)
                denominator = _sum(
                    earlier if indicator.denominator.previous else report.report, indicator.denominator.keys
                )
            found.append(
                IndicatorValue(
                    row.sha256,
                    row.unit,
                    row.organ,
                    row.year,
                    row.level,
                    row.district,
                    indicator.key,
                    numerator,
                    denominator,
                    indicator.value(numerator, denominator),
                )
            )
    return found


def district_values(values: Iterable[IndicatorValue]) -> list[DistrictValue]:
    """Per district and year: the sums of the reports' numerators and denominators."""
    sums: dict[tuple[str | None, int | None, str], list[float]] = {}
    for v in values:
        if v.value is None or v.numerator is None or v.denominator is None:
            continue
        total = sums.setdefault((v.district, v.year, v.indicator), [0, 0.0, 0.0])
        total[0] += 1
        total[1] += v.numerator
        total[2] += v.denominator
    order = {i.key: n for n, i in enumerate(INDICATORS)}
    return [
        DistrictValue(
            district,
            year,
            key,
            int(n),
            numerator,
            denominator,
            INDICATOR_BY_KEY[key].value(numerator, denominator),
        )
        for (district, year, key), (n, numerator, denominator) in sorted(
            sums.items(), key=lambda kv: (kv[0][0] or "\uffff", kv[0][1] or 0, order[kv[0][2]])
        )
    ]


def write_indicators(
    db: sqlite3.Connection, values: Sequence[IndicatorValue], districts: Sequence[DistrictValue]
) -> None:
    """Replace the indicator tables (inside the caller's transaction)."""
    db.execute("DELETE FROM indicators")
    db.execute("DELETE FROM district_indicators")
    db.execute("DELETE FROM indicator_definitions")
    db.executemany(
        "INSERT INTO indicator_definitions VALUES (?, ?, ?, ?)",
        [(i.key, n, i.name, i.formula) for n, i in enumerate(INDICATORS)],
    )
    db.executemany(
        "INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                v.report,
                v.unit,
                v.organ,
                v.year,
                v.level,
                v.district,
                v.indicator,
                INDICATOR_BY_KEY[v.indicator].name,
                v.numerator,
                v.denominator,
                v.value,
            )
            for v in values
        ],
    )
    db.executemany(
        "INSERT INTO district_indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                d.district,
                d.year,
                d.indicator,
                INDICATOR_BY_KEY[d.indicator].name,
                d.reports,
                d.numerator,
                d.denominator,
                d.value,
            )
            for d in districts
        ],
    )


def stored_values(db: sqlite3.Connection, report: str | None = None) -> list[IndicatorValue]:
    """The indicators in the database (of one report, by sha256), in definition order."""
    order = {i.key: n for n, i in enumerate(INDICATORS)}
    sql = (
        "SELECT report, unit, organ, year, level, district, indicator, numerator, denominator, value"
        " FROM indicators" + (" WHERE report = ?" if report else "")
    )
    rows = [IndicatorValue(*r) for r in db.execute(sql, (report,) if report else ())]
    return sorted(rows, key=lambda v: (v.unit, v.year or 0, order.get(v.indicator, 99)))


def stored_districts(db: sqlite3.Connection) -> list[DistrictValue]:
    rows = db.execute(
        "SELECT district, year, indicator, reports, numerator, denominator, value FROM district_indicators"
    )
    return [DistrictValue(*r) for r in rows]


def shown(indicator: Indicator, value: float | None) -> str:
    """A value as the pages print it: a percentage (a change with its sign), or — when none."""
    if value is None:
        return "—"
    return f"{value:+.1%}" if indicator.change else f"{value:.1%}"
